/// The person the caps are counted for (DESIGN.md rule 10): one patient, one weight.
///
/// The first program on a pump with no patient names one implicitly, with its weight; after that a
/// program with another weight is refused, since a caps computed for 150 kg over drug already given
/// to a 70 kg patient let through more than that patient may have (issue 14, finding 5). A new
/// patient, or a corrected weight, is the explicit act ``TechnicianCommand/newPatient(weight:id:)``,
/// which the daemon logs; after it the previous patient's drug no longer counts against the caps.
public struct Patient: Hashable, Sendable {
    public let weight: Kilograms
    /// The hospital's identifier, as given to `new-patient --id` (none for an implicit patient).
    public let id: String?
    /// Which patient of this pump's life, counting from 1: the journal tags every ledger record
    /// with it, so a restart counts only the current patient's drug against the caps.
    public let number: Int64

    public init(weight: Kilograms, id: String?, number: Int64) {
        self.weight = weight
        self.id = id
        self.number = number
    }

    /// Whether `weight` is this patient's, to a part in 10⁹ (what LimitBand counts as equal).
    public func weighs(_ weight: Kilograms) -> Bool {
        abs(weight.value - self.weight.value) <= self.weight.value * 1e-9
    }
}
