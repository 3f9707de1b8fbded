import Foundation
import FuzzTargets
import FuzzerMain
import InfusionCore

// Run from the repository's root (scripts/fuzz does): the shipped library and syringe table are
// what technicians' programs meet.
let library = try DrugLibraryParser.parse(String(contentsOfFile: "config/drug-library.toml", encoding: .utf8))
let syringe = try SyringeTable(toml: String(contentsOfFile: "hardware/syringes.toml", encoding: .utf8)).syringe(named: "BD Plastipak 50 mL")
runFuzzer { libraryProgramInput($0, library: library, syringe: syringe) }
