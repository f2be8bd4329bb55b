//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where the standard library's failure entry points take their `line:` argument on
/// x86-64, so that the line of a `fatalError`, `precondition` or `assert` can be found
/// exactly, without debug information.
///
/// Swift's calling convention passes the scalars of the arguments in `rdi`, `rsi`, `rdx`,
/// `rcx`, `r8`, `r9`, then in 8-byte stack slots. A `StaticString` is three scalars, a
/// `String` and a closure two, a `UInt` one.
enum LineArgument: Hashable {
    case register9
    case stackSlot(Int)

    static let failureFunctions: [String: LineArgument] = [
        // _assertionFailure(_: StaticString, _: StaticString, file: StaticString, line: UInt, flags: UInt32)
        "$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_A2HSus6UInt32VtF": .stackSlot(3),
        // _assertionFailure(_: StaticString, _: String, file: StaticString, line: UInt, flags: UInt32)
        "$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_SSAHSus6UInt32VtF": .stackSlot(2),
        // _fatalErrorMessage(_: StaticString, _: StaticString, file: StaticString, line: UInt, flags: UInt32)
        "$ss18_fatalErrorMessage__4file4line5flagss5NeverOs12StaticStringV_A2HSus6UInt32VtF": .stackSlot(3),
        // _preconditionFailure(_: StaticString, file: StaticString, line: UInt)
        "$ss20_preconditionFailure_4file4lines5NeverOs12StaticStringV_AGSutF": .stackSlot(0),
        // assertionFailure(_: @autoclosure () -> String, file: StaticString, line: UInt)
        "$ss16assertionFailure_4file4lineySSyXK_s12StaticStringVSutF": .register9,
        // preconditionFailure(_: @autoclosure () -> String, file: StaticString, line: UInt)
        "$ss19preconditionFailure_4file4lines5NeverOSSyXK_s12StaticStringVSutF": .register9,
    ]

    /// Which instruction before a call, among `instructions[window]`, writes the constant
    /// that `argument` holds when the call is made; the instruction's index, or `nil` when
    /// the argument setup is not one of the simple forms (push, store to the stack,
    /// `mov r9, imm`) or something else moves the stack pointer.
    static func writer(
        of argument: LineArgument,
        before call: Int,
        in instructions: [(at: Int, instruction: X86Instruction)],
        code: UnsafeRawBufferPointer
    ) -> Int? {
        var pushes = 0  // stack slots pushed between the instruction and the call
        var index = call - 1
        while index >= 0 {
            let (at, instruction) = instructions[index]
            if instruction.kind != .other { return nil }  // another call or jump: the setup is over
            let bytes = Array(UnsafeRawBufferPointer(rebasing: code[at..<at + instruction.length]))
            func immediate32(_ offset: Int) -> Int {
                Int(
                    Int32(
                        bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
                    )
                )
            }
            switch bytes.count {
            case 2 where bytes[0] == 0x6a, 5 where bytes[0] == 0x68:  // push imm8, push imm32
                if argument == .stackSlot(pushes) { return index }
                pushes += 1
            case 1 where (0x50...0x57).contains(bytes[0]), 2 where bytes[0] == 0x41 && (0x50...0x57).contains(bytes[1]):
                pushes += 1  // push register
            case 4 where bytes[0] == 0x48 && bytes[1] == 0x83 && (bytes[2] == 0xec || bytes[2] == 0xc4),
                7 where bytes[0] == 0x48 && bytes[1] == 0x81 && (bytes[2] == 0xec || bytes[2] == 0xc4):
                // sub rsp, imm / add rsp, imm
                let amount = bytes.count == 4 ? Int(Int8(bitPattern: bytes[3])) : immediate32(3)
                guard amount % 8 == 0 else { return nil }
                pushes += bytes[2] == 0xec ? amount / 8 : -amount / 8
            default:
                // mov [rsp + disp], imm32 (with or without REX.W)
                let rex = bytes.first == 0x48 ? 1 : 0
                if bytes.count > rex + 3, bytes[rex] == 0xc7, bytes[rex + 2] == 0x24, bytes[rex + 1] & 0x3f == 0x04 {
                    let mode = bytes[rex + 1] >> 6
                    var displacement = 0
                    if mode == 1 { displacement = Int(Int8(bitPattern: bytes[rex + 3])) }
                    if mode == 2 { displacement = immediate32(rex + 3) }
                    guard mode < 3, displacement % 8 == 0 else { break }
                    if argument == .stackSlot(displacement / 8 + pushes) { return index }
                    break
                }
                // mov r9d, imm32; mov r9, imm32 (sign-extended)
                if argument == .register9,
                    (bytes.count == 6 && bytes[0] == 0x41 && bytes[1] == 0xb9)
                        || (bytes.count == 7 && bytes[0] == 0x49 && bytes[1] == 0xc7 && bytes[2] == 0xc1)
                {
                    return index
                }
                if writesStackPointer(bytes) { return nil }
            }
            if pushes < 0 { return nil }
            index -= 1
        }
        return nil
    }

    /// Whether an instruction other than the recognised ones may change `rsp` (pop, lea,
    /// mov or arithmetic with `rsp` as destination). Conservative: any ModRM form naming
    /// register 4 as destination with REX.W counts.
    private static func writesStackPointer(_ bytes: [UInt8]) -> Bool {
        if let first = bytes.first, (0x58...0x5f).contains(first) { return first == 0x5c }  // pop rsp
        guard bytes.count >= 3, bytes[0] == 0x48 || bytes[0] == 0x49 else { return false }
        let modrm = bytes[2]
        let register = modrm & 7
        switch bytes[1] {
        case 0x89, 0x01, 0x29, 0x81, 0x83, 0xc7:  // mov/add/sub/... r/m64 destination
            return modrm >> 6 == 3 && register == 4 && bytes[0] == 0x48
        case 0x8b, 0x8d, 0x03, 0x2b:  // mov/lea/add/sub r64 destination
            return (modrm >> 3) & 7 == 4
        default:
            return false
        }
    }
}
