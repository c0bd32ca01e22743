import Cron
import Foundation
import LinkTomeCore
import Testing

@Suite("Schedule time zone")
struct CronTimeZoneTests {
    @Test("WEBSITE_TIME_ZONE wins over TZ, and UTC is the default")
    func settingsOrder() throws {
        let both = Settings(["WEBSITE_TIME_ZONE": "Europe/Berlin", "TZ": "America/New_York"])
        let tzOnly = Settings(["TZ": ":Australia/Brisbane"])

        #expect(try CronTimeZone.resolve(settings: both).identifier == "Europe/Berlin")
        #expect(try CronTimeZone.resolve(settings: tzOnly).identifier == "Australia/Brisbane")
        #expect(
            try CronTimeZone.resolve(settings: Settings([:])).secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == 0
        )
        #expect(try CronTimeZone.resolve(settings: Settings(["TZ": ""])) == CronTimeZone.utc)
    }

    @Test("ids are matched ignoring case; common Windows ids map to IANA zones")
    func identifiers() throws {
        #expect(try CronTimeZone.named("america/new_york").identifier == "America/New_York")
        #expect(try CronTimeZone.named("UTC").secondsFromGMT(for: Date()) == 0)
        #expect(try CronTimeZone.named("W. Europe Standard Time").identifier == "Europe/Berlin")
        #expect(try CronTimeZone.named("Eastern Standard Time").identifier == "America/New_York")
    }

    @Test("an unknown zone is an error naming the setting and the value")
    func unknownZone() {
        let settings = Settings(["WEBSITE_TIME_ZONE": "Mars/Olympus_Mons"])

        #expect(throws: CronError.unknownTimeZone(source: "WEBSITE_TIME_ZONE", identifier: "Mars/Olympus_Mons")) {
            try CronTimeZone.resolve(settings: settings)
        }
        let message = CronError.unknownTimeZone(source: "TZ", identifier: "Nowhere").description
        #expect(message.contains("TZ") && message.contains("'Nowhere'"))
    }

    @Test(
        "offsets after GMT or UTC are refused as ambiguous, with the Etc zone for each reading",
        arguments: ["GMT+5", "UTC+5", "gmt-5", "UT+5", ":GMT+5"]
    )
    func ambiguousOffsets(_ id: String) {
        #expect(throws: CronError.ambiguousTimeZone(source: "TZ", identifier: id)) {
            try CronTimeZone.resolve(settings: Settings(["TZ": id]))
        }
        let message = CronError.ambiguousTimeZone(source: "TZ", identifier: id).description
        #expect(message.contains("'Etc/GMT-5' is UTC+5") && message.contains("'Etc/GMT+5' is UTC-5"))
    }

    @Test("half-hour offsets are refused pointing at a city; zero offsets and IANA Etc zones are fine")
    func offsetForms() throws {
        for id in ["GMT+05:30", "UTC+0530", "GMT+5:30"] {
            #expect(throws: CronError.ambiguousTimeZone(source: "the time-zone option", identifier: id)) {
                try CronTimeZone.named(id)
            }
        }
        #expect(CronError.ambiguousTimeZone(source: "TZ", identifier: "GMT+05:30").description.contains("Asia/Kolkata"))
        let january = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(try CronTimeZone.named("GMT+0").secondsFromGMT(for: january) == 0)
        #expect(try CronTimeZone.named("UTC-00:00").secondsFromGMT(for: january) == 0)
        #expect(try CronTimeZone.named("Etc/GMT+5").secondsFromGMT(for: january) == -5 * 3_600)
        #expect(try CronTimeZone.named("etc/gmt-5").secondsFromGMT(for: january) == 5 * 3_600)
        #expect(try CronTimeZone.named("GMT").secondsFromGMT(for: january) == 0)
    }

    @Test("instants print as wall-clock time with the zone's offset")
    func printing() {
        let instant = instant("2026-03-08T07:00:00Z")

        #expect(CronTimeZone.iso8601(instant, in: zone("America/New_York")) == "2026-03-08T03:00:00-04:00")
        #expect(CronTimeZone.iso8601(instant, in: CronTimeZone.utc) == "2026-03-08T07:00:00+00:00")
        #expect(CronTimeZone.iso8601(instant, in: zone("Asia/Kolkata")) == "2026-03-08T12:30:00+05:30")
        #expect(CronTimeZone.iso8601(instant, in: zone("America/St_Johns")) == "2026-03-08T04:30:00-02:30")
        #expect(
            CronTimeZone.iso8601(instant.addingTimeInterval(-60 * 86_400), in: zone("America/St_Johns"))
                == "2026-01-07T03:30:00-03:30"
        )
    }

    @Test("text without an offset is wall-clock time in the zone, read as .NET reads it")
    func parsing() {
        let newYork = zone("America/New_York")

        #expect(CronTimeZone.date(iso8601: "2026-07-01T09:00:00", in: newYork) == instant("2026-07-01T13:00:00Z"))
        #expect(CronTimeZone.date(iso8601: "2026-07-01T09:00:00+02:00", in: newYork) == instant("2026-07-01T07:00:00Z"))
        #expect(CronTimeZone.date(iso8601: "2026-07-01", in: newYork) == instant("2026-07-01T04:00:00Z"))
        #expect(CronTimeZone.date(iso8601: "2026-07-01T09:30", in: newYork) == instant("2026-07-01T13:30:00Z"))
        #expect(CronTimeZone.date(iso8601: "2026-03-08T02:30:00", in: newYork) == instant("2026-03-08T03:30:00-04:00"))
        #expect(CronTimeZone.date(iso8601: "2026-11-01T01:30:00", in: newYork) == instant("2026-11-01T01:30:00-05:00"))
        #expect(CronTimeZone.date(iso8601: "yesterday", in: newYork) == nil)
        #expect(CronTimeZone.date(iso8601: "2026-02-30T00:00:00Z", in: newYork) == nil)
    }
}
