//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

/// The application's top supervisor (one for one): the registry of nicks, then the acceptor
/// that starts a ChatSession per connection. Sessions are not its children: each lives as
/// long as its connection.
public struct ChatSupervisor: Supervisor {
    public static let vsn: Term = 1

    public init() {}

    public func spec(_ args: Term) throws -> SupervisorSpec {
        SupervisorSpec(
            strategy: .oneForOne,
            intensity: 5,
            period: 10,
            children: [
                .worker(ChatRegistry.self, registeredName: "chat_registry"),
                .worker(ChatAcceptor.self, registeredName: "chat_acceptor"),
            ]
        )
    }
}
