/// The only conversions between quantity kinds. Each is dimensional analysis, nothing more;
/// keeping them in one file is what makes a unit mix-up a compile error everywhere else.

public func * (rate: MilligramsPerKilogramPerHour, weight: Kilograms) -> MilligramsPerHour {
    MilligramsPerHour(rate.value * weight.value)
}

public func * (dose: MilligramsPerKilogram, weight: Kilograms) -> Milligrams {
    Milligrams(dose.value * weight.value)
}

public func / (amount: Milligrams, weight: Kilograms) -> MilligramsPerKilogram {
    MilligramsPerKilogram(amount.value / weight.value)
}

public func / (rate: MilligramsPerHour, weight: Kilograms) -> MilligramsPerKilogramPerHour {
    MilligramsPerKilogramPerHour(rate.value / weight.value)
}

public func / (rate: MilligramsPerHour, concentration: MilligramsPerMillilitre) -> MillilitresPerHour {
    MillilitresPerHour(rate.value / concentration.value)
}

public func / (amount: Milligrams, concentration: MilligramsPerMillilitre) -> Millilitres {
    Millilitres(amount.value / concentration.value)
}

public func * (volume: Millilitres, concentration: MilligramsPerMillilitre) -> Milligrams {
    Milligrams(volume.value * concentration.value)
}

public func * (rate: MillilitresPerHour, concentration: MilligramsPerMillilitre) -> MilligramsPerHour {
    MilligramsPerHour(rate.value * concentration.value)
}

public func * (rate: MillilitresPerHour, time: Seconds) -> Millilitres {
    Millilitres(rate.value * time.hours)
}

public func * (rate: MilligramsPerHour, time: Seconds) -> Milligrams {
    Milligrams(rate.value * time.hours)
}

public func / (volume: Millilitres, rate: MillilitresPerHour) -> Seconds {
    Seconds.hours(volume.value / rate.value)
}

public func / (volume: Millilitres, time: Seconds) -> MillilitresPerHour {
    MillilitresPerHour(volume.value / time.hours)
}
