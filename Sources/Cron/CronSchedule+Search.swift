import LinkTomeCore

/// The wall-clock search: what NCrontab's `GetNextOccurrence` computes, on whole seconds of a
/// proleptic Gregorian wall clock counted from 1970-01-01T00:00:00 (no time zone involved).
///
/// NCrontab's cascade yields the first matching second strictly after the base (whose fraction
/// it drops) and gives up after 9999-12-31, the end of .NET's calendar. Both searches below walk
/// months and days through the bit sets, so a schedule that fires once in 28 years costs a few
/// hundred steps, and one that never fires is rejected before searching.
extension CronSchedule {
    /// 9999-12-31T23:59:59, the last second NCrontab can return.
    static let lastWallSecond: Int64 = 253_402_300_799
    /// 0001-01-01T00:00:00, the first second of .NET's calendar.
    static let firstWallSecond: Int64 = -62_135_596_800
    /// More than a 400-year Gregorian cycle: a date that can match at all matches within it.
    static let searchYears = 401

    /// The first matching wall-clock second strictly after `wall`, or `nil` if none by year 9999.
    func nextWall(after wall: Int64) -> Int64? {
        guard wall < Self.lastWallSecond, !neverFires else { return nil }

        let dayNumber = floorDivide(max(wall, Self.firstWallSecond - 1), 86_400)
        let secondOfDay = Int(max(wall, Self.firstWallSecond - 1) - dayNumber * 86_400)
        let date = Timestamp.civilFromDays(dayNumber)
        if matches(date, dayNumber), let time = nextTime(after: secondOfDay) {
            return dayNumber * 86_400 + Int64(time)
        }
        guard let next = nextDate(after: date) else { return nil }
        return next * 86_400 + Int64(firstTime)
    }

    /// The last matching wall-clock second at or before `wall` and strictly after `floor`.
    func previousWall(atOrBefore wall: Int64, after floor: Int64) -> Int64? {
        let wall = min(wall, Self.lastWallSecond)
        guard wall > floor, !neverFires else { return nil }

        let dayNumber = floorDivide(wall, 86_400)
        let secondOfDay = Int(wall - dayNumber * 86_400)
        let date = Timestamp.civilFromDays(dayNumber)
        if matches(date, dayNumber), let time = previousTime(atOrBefore: secondOfDay) {
            let found = dayNumber * 86_400 + Int64(time)
            return found > floor ? found : nil
        }
        let floorDay = floorDivide(max(floor, Self.firstWallSecond), 86_400)
        guard let previous = previousDate(before: date, notBefore: floorDay) else { return nil }
        let found = previous * 86_400 + Int64(lastTime)
        return found > floor ? found : nil
    }

    // MARK: Dates

    private func matches(_ date: (year: Int, month: Int, day: Int), _ dayNumber: Int64) -> Bool {
        months.contains(date.month) && days.contains(date.day) && daysOfWeek.contains(weekday(dayNumber))
    }

    private func nextDate(after date: (year: Int, month: Int, day: Int)) -> Int64? {
        let lastYear = min(9_999, date.year + Self.searchYears)
        var (year, month, fromDay) = (date.year, date.month, date.day + 1)
        while year <= lastYear {
            guard let found = months.lowestBit(atOrAbove: month) else {
                (year, month, fromDay) = (year + 1, 1, 1)
                continue
            }
            if found != month { (month, fromDay) = (found, 1) }
            if let dayNumber = firstMatchingDay(year, month, from: fromDay) { return dayNumber }
            (month, fromDay) = (month + 1, 1)
        }
        return nil
    }

    private func previousDate(before date: (year: Int, month: Int, day: Int), notBefore floorDay: Int64) -> Int64? {
        let floorYear = Timestamp.civilFromDays(floorDay).year
        let firstYear = max(1, date.year - Self.searchYears, floorYear)
        var (year, month, toDay) = (date.year, date.month, date.day - 1)
        while year >= firstYear {
            guard let found = months.highestBit(atOrBelow: month), found >= 1 else {
                (year, month, toDay) = (year - 1, 12, 31)
                continue
            }
            if found != month { (month, toDay) = (found, 31) }
            if let dayNumber = lastMatchingDay(year, month, upTo: toDay) {
                return dayNumber >= floorDay ? dayNumber : nil
            }
            (month, toDay) = (month - 1, 31)
        }
        return nil
    }

    private func firstMatchingDay(_ year: Int, _ month: Int, from fromDay: Int) -> Int64? {
        let length = Timestamp.daysIn(month: month, year: year)
        let firstOfMonth = Timestamp.daysFromCivil(year: year, month: month, day: 1)
        var candidate = days.lowestBit(atOrAbove: fromDay)
        while let day = candidate, day <= length {
            let dayNumber = firstOfMonth + Int64(day - 1)
            if daysOfWeek.contains(weekday(dayNumber)) { return dayNumber }
            candidate = days.lowestBit(atOrAbove: day + 1)
        }
        return nil
    }

    private func lastMatchingDay(_ year: Int, _ month: Int, upTo toDay: Int) -> Int64? {
        let length = Timestamp.daysIn(month: month, year: year)
        let firstOfMonth = Timestamp.daysFromCivil(year: year, month: month, day: 1)
        var candidate = days.highestBit(atOrBelow: min(toDay, length))
        while let day = candidate, day >= 1 {
            let dayNumber = firstOfMonth + Int64(day - 1)
            if daysOfWeek.contains(weekday(dayNumber)) { return dayNumber }
            candidate = days.highestBit(atOrBelow: day - 1)
        }
        return nil
    }

    /// 0 = Sunday; 1970-01-01 (day 0) was a Thursday.
    @inline(__always)
    private func weekday(_ dayNumber: Int64) -> Int {
        Int((dayNumber % 7 + 11) % 7)
    }

    // MARK: Times of day

    /// The first matching time of day strictly after `secondOfDay`.
    private func nextTime(after secondOfDay: Int) -> Int? {
        let (hour, minute, second) = (secondOfDay / 3_600, secondOfDay % 3_600 / 60, secondOfDay % 60)
        if hours.contains(hour) {
            if minutes.contains(minute), let next = seconds.lowestBit(atOrAbove: second + 1) {
                return hour * 3_600 + minute * 60 + next
            }
            if let next = minutes.lowestBit(atOrAbove: minute + 1) {
                return hour * 3_600 + next * 60 + firstTime % 60
            }
        }
        guard let next = hours.lowestBit(atOrAbove: hour + 1) else { return nil }
        return next * 3_600 + firstTime % 3_600
    }

    /// The last matching time of day at or before `secondOfDay`.
    private func previousTime(atOrBefore secondOfDay: Int) -> Int? {
        let (hour, minute, second) = (secondOfDay / 3_600, secondOfDay % 3_600 / 60, secondOfDay % 60)
        if hours.contains(hour) {
            if minutes.contains(minute), let previous = seconds.highestBit(atOrBelow: second) {
                return hour * 3_600 + minute * 60 + previous
            }
            if let previous = minutes.highestBit(atOrBelow: minute - 1) {
                return hour * 3_600 + previous * 60 + lastTime % 60
            }
        }
        guard let previous = hours.highestBit(atOrBelow: hour - 1) else { return nil }
        return previous * 3_600 + lastTime % 3_600
    }
}

/// Division rounding toward negative infinity, for instants before 1970.
@inline(__always)
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return value % divisor != 0 && value < 0 ? quotient - 1 : quotient
}
