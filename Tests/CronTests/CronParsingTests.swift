import Cron
import Foundation
import Testing

@Suite("Parsing NCRONTAB expressions")
struct CronParsingTests {
    /// The canonical form of `expression`, or the error text.
    private func canonical(_ expression: String) -> String {
        do {
            return try CronSchedule(parsing: expression).canonical
        } catch {
            return "error: \(error)"
        }
    }

    private func error(_ expression: String) -> CronError? {
        do {
            _ = try CronSchedule(parsing: expression)
            return nil
        } catch {
            return error
        }
    }

    @Test("six fields start with seconds; exactly five fix the second at 0")
    func fieldCounts() throws {
        let six = try CronSchedule(parsing: "1 2 3 4 5 6")
        let five = try CronSchedule(parsing: "0 1 * * 1")

        #expect(six.includesSeconds && six.values(of: .second) == [1] && six.values(of: .dayOfWeek) == [6])
        #expect(!five.includesSeconds)
        #expect(five.values(of: .second) == [0] && five.values(of: .minute) == [0] && five.values(of: .hour) == [1])
        #expect(five.values(of: .dayOfWeek) == [1])
        #expect(five.canonical == "0 1 * * 1")
    }

    @Test("fields are split on spaces only; extra spaces are fine, other counts and tabs are errors")
    func separators() {
        #expect(canonical("  0   5 *  * * *  ") == "0 5 * * * *")
        #expect(error("* * * *") == .fieldCount(expression: "* * * *", found: 4))
        #expect(error("0 0 0 1/1 * ? *") == .fieldCount(expression: "0 0 0 1/1 * ? *", found: 7))
        #expect(error("*\t*\t* * * *") == .fieldCount(expression: "*\t*\t* * * *", found: 4))
        #expect(error("") == .fieldCount(expression: "", found: 0))
        #expect(error("0 0 0 1/1 * ? *")?.description.contains("year field") == true)
        #expect(error("*\t*\t* * * *")?.description.contains("tabs") == true)
        #expect(error("00:05:00")?.description.contains("TimeSpan") == true)
    }

    @Test("a number may carry trailing white space, as .NET's int.Parse allows")
    func trailingWhiteSpaceAfterNumbers() {
        #expect(canonical("0 5\t * * * *") == "0 5 * * * *")
        #expect(canonical("0 */15\t * * * *") == "0 0,15,30,45 * * * *")
        #expect(error("0 \t5 * * * *") != nil)
    }

    @Test("steps: */n, v/n up to the maximum, a-b/n, step 0 or negative as 1, huge steps select the start")
    func steps() {
        #expect(canonical("*/20 5/15 1-10/3 * * *") == "0,20,40 5,20,35,50 1,4,7,10 * * *")
        #expect(canonical("*/0 5/0 * * * *") == "* 5-59 * * * *")
        #expect(canonical("*/-3 10-20/-1 * * * *") == "* 10-20 * * * *")
        #expect(canonical("*/+30 */75 * * * *") == "0,30 0 * * * *")
        #expect(canonical("59/5 0 23/2 * * *") == "59 0 23 * * *")
        #expect(canonical("* * * */2 */5 *") == "* * * 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 1,6,11 *")
        #expect(canonical("0 */2147483647 * * * *") == "0 0 * * * *")
    }

    @Test("steps that are not 32-bit integers are errors")
    func badSteps() {
        #expect(
            error("1/2147483648 * * * * *")
                == .invalidField(field: .second, token: "1/2147483648", problem: .overflow("2147483648"))
        )
        #expect(
            error("5/2147483647 * * * * *")
                == .invalidField(
                    field: .second,
                    token: "5/2147483647",
                    problem: .stepOverflow(start: 5, step: 2_147_483_647)
                )
        )
        #expect(error("*/ * * * * *") == .invalidField(field: .second, token: "*/", problem: .empty))
        #expect(error("*/x * * * * *") == .invalidField(field: .second, token: "*/x", problem: .badStep("x")))
        #expect(error("*/5/2 * * * * *") != nil)
    }

    @Test("a 32-bit step that overflows NCRONTAB's counting says so instead of calling the number too large")
    func stepOverflowMessage() {
        let message = error("0 0 0 * * 1/2147483647")?.description ?? ""
        #expect(message.contains("step 2147483647 counted from 1 passes 2147483647"))
        #expect(message.contains("any step above 6 selects only the start, so write 1"))
        #expect(!message.contains("is too large"))
        #expect(canonical("0 0 0 * * */2147483647") == "0 0 0 * * 0")

        let tooBig = error("0 0 0 * * 1/2147483648")?.description ?? ""
        #expect(tooBig.contains("'2147483648' is too large: numbers must fit a 32-bit integer"))
    }

    @Test("control characters in tokens are shown escaped, and a tab inside a field is called out")
    func controlCharacters() {
        let tab = error("*\t* * * * *")?.description ?? ""
        #expect(tab.contains("invalid minute field '*\\t*'"))
        #expect(tab.contains("a tab is not a field separator, use spaces"))
        #expect(!tab.contains("\t"))

        let control = error("0 \u{1}5 * * * *")?.description ?? ""
        #expect(control.contains("'\\u{1}5'"))
        #expect(!control.unicodeScalars.contains { $0.value < 0x20 })

        let count = error("0\t0\t0 * *")?.description ?? ""
        #expect(count.contains("'0\\t0\\t0 * *'") && count.contains("tabs do not separate fields"))
    }

    @Test("reversed ranges are swapped, not wrapped")
    func reversedRanges() {
        #expect(canonical("0 0 0 * * FRI-MON") == "0 0 0 * * 1-5")
        #expect(canonical("0 51-4 * * * *") == "0 4-51 * * * *")
        #expect(canonical("0 0 23-3/2 * * *") == "0 0 3,5,7,9,11,13,15,17,19,21,23 * * *")
        #expect(canonical("0 0 0 1 DEC-FEB *") == "0 0 0 1 2-12 *")
    }

    @Test("leading zeros are fine, letters after digits are not")
    func numbers() {
        #expect(canonical("05 007 * * *") == "5 7 * * *")
        #expect(error("1a * * * * *") == .invalidField(field: .second, token: "1a", problem: .notAValue("1a")))
        #expect(
            error("99999999999 * * * * *")
                == .invalidField(field: .second, token: "99999999999", problem: .overflow("99999999999"))
        )
    }

    @Test("names are case-insensitive prefixes of English names; the first in calendar order wins")
    func names() {
        #expect(canonical("0 0 0 1 Augu,SEPT,DECEM Mon") == "0 0 0 1 8-9,12 1")
        #expect(canonical("0 0 0 1 * MONDAY") == "0 0 0 1 * 1")
        #expect(canonical("0 0 0 1 * W") == "0 0 0 1 * 3")
        #expect(canonical("0 0 0 1 * T,S") == "0 0 0 1 * 0,2")
        #expect(canonical("0 0 0 1 J,Ma,Ju *") == "0 0 0 1 1,3,6 *")
        #expect(canonical("0 0 0 1 jan-mar/2 sun-sat") == "0 0 0 1 1,3 *")
        #expect(
            error("0 0 0 1 * Mondays")
                == .invalidField(field: .dayOfWeek, token: "Mondays", problem: .notAValue("Mondays"))
        )
        #expect(error("0 0 0 Mon * *") == .invalidField(field: .day, token: "Mon", problem: .notAValue("Mon")))
    }

    @Test("out-of-range values are errors, including 7 for Sunday")
    func ranges() {
        #expect(error("60 * * * * *") == .invalidField(field: .second, token: "60", problem: .aboveMaximum(60)))
        #expect(error("0 0 24 * * *") == .invalidField(field: .hour, token: "24", problem: .aboveMaximum(24)))
        #expect(error("0 0 0 0 * *") == .invalidField(field: .day, token: "0", problem: .belowMinimum(0)))
        #expect(error("0 0 0 32 * *") == .invalidField(field: .day, token: "32", problem: .aboveMaximum(32)))
        #expect(error("0 0 0 1 13 *") == .invalidField(field: .month, token: "13", problem: .aboveMaximum(13)))
        #expect(error("0 0 0 1 0/2 *") == .invalidField(field: .month, token: "0/2", problem: .belowMinimum(0)))
        #expect(error("* * * * 7") == .invalidField(field: .dayOfWeek, token: "7", problem: .aboveMaximum(7)))
        #expect(error("* * * * 5-7") == .invalidField(field: .dayOfWeek, token: "5-7", problem: .aboveMaximum(7)))
        #expect(error("* * * * 7")?.description.contains("use 0") == true)
    }

    @Test("empty elements are errors", arguments: [",5", "1,,2", "5-", "*/", "5,", "-5", "*-5", "**"])
    func emptyElements(_ token: String) {
        let failure = error("\(token) * * * * *")

        guard case .invalidField(let field, let offending, _) = failure else {
            Issue.record("'\(token)' was accepted")
            return
        }
        #expect(field == .second && offending == token)
    }

    @Test("Quartz and Vixie extensions are errors that say so", arguments: ["?", "L", "15W", "LW", "5#3", "H", "5L"])
    func extensions(_ token: String) {
        let failure = error("0 0 0 \(token) * *")

        #expect(failure == .invalidField(field: .day, token: token, problem: .unsupported(token)))
        #expect(failure?.description.contains("not supported") == true)
    }

    @Test("macros are errors")
    func macros() {
        #expect(error("@daily") == .macro(expression: "@daily"))
        #expect(error("@midn           ")?.description.contains("@daily") == true)
    }

    @Test("messages name the field and quote the token")
    func messages() {
        let text = error("0 0 1,Z,3 * * *")?.description ?? ""

        #expect(text == "invalid hour field '1,Z,3': 'Z' is not a number in 0-23")
    }

    @Test("the canonical form prints ascending numbers, runs as a-b, full fields as *")
    func canonicalForm() {
        #expect(canonical("0,1 3,2,1 * * * SUN,mon") == "0-1 1-3 * * * 0-1")
        #expect(canonical("0-59 * 0-23 1-31 1-12 0-6") == "* * * * * *")
        #expect(canonical("0 */15 * * * *") == "0 0,15,30,45 * * * *")
        #expect(canonical("*/15 9-23 * * *") == "0,15,30,45 9-23 * * *")
    }

    @Test(
        "Azure's interval classification follows the canonical form",
        arguments: [
            ("0 */20 * * * *", true), ("0 0-15 * * * *", true), ("0 30 * * * *", true), ("0 30 1 * * *", false),
            ("0 0,30 1 * * *", false), ("0 0-30 1 * * *", true), ("0 */15 9 * * *", false), ("0,1 0 0 * * *", true),
            ("0 1 * * 1", false), ("*/5 1 * * *", false), ("0-1 1 * * *", true), ("0 0 0 * * *", false),
        ]
    )
    func intervals(_ expression: String, _ isInterval: Bool) throws {
        #expect(try CronSchedule(parsing: expression).isIntervalSchedule == isInterval)
    }

    @Test("schedules whose day never occurs in their months never fire")
    func neverFiring() throws {
        #expect(try CronSchedule(parsing: "0 0 0 30 2 *").neverFires)
        #expect(try CronSchedule(parsing: "0 0 0 31 2 *").neverFires)
        #expect(try CronSchedule(parsing: "0 0 0 31 4,6,9,11 *").neverFires)
        #expect(try !CronSchedule(parsing: "0 0 0 29 2 *").neverFires)
        #expect(try !CronSchedule(parsing: "0 0 0 30,31 2,4 *").neverFires)
        #expect(try !CronSchedule(parsing: "0 0 29 Feb Mon").neverFires)
    }

    @Test("equal schedules compare equal however they were written")
    func equality() throws {
        #expect(try CronSchedule(parsing: "0 */15 * * * *") == CronSchedule(parsing: "0  0,15,30,45 * * * SUN-sat"))
        #expect(try CronSchedule(parsing: "0 0 * * *") != CronSchedule(parsing: "0 0 0 * * *"))
    }
}
