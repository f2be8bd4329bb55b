//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

@_cdecl("distill_application")
public func distillApplication() -> UnsafeMutableRawPointer {
    Application(
        name: "chat",
        version: "0.2.0",
        description: "A line-based TCP chat server",
        start: ChatSupervisor.self,
        modules: [ChatRegistry.self, ChatAcceptor.self, ChatSession.self, ChatSupervisor.self],
        registered: ["chat_registry", "chat_acceptor"],
        env: ["port": 0]
    ).export()
}
