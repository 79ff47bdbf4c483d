using System.Collections.Generic;

namespace StepOperator.ModalEmulator;

/// <summary>
/// The names of the RPCs the emulator serves: Modal's API (method path /modal.client.ModalClient/&lt;name&gt;)
/// and the V2 sandboxes' task command router (/modal.task_command_router.TaskCommandRouter/&lt;name&gt;).
/// </summary>
public static class ModalRpc
{
    /// <summary>The gRPC service of Modal's API.</summary>
    public const string ModalClientService = "modal.client.ModalClient";

    /// <summary>The gRPC service of a V2 sandbox's task command router.</summary>
    public const string TaskCommandRouterService = "modal.task_command_router.TaskCommandRouter";

    public const string AuthTokenGet = "AuthTokenGet";
    public const string AppGetOrCreate = "AppGetOrCreate";
    public const string EnvironmentGetOrCreate = "EnvironmentGetOrCreate";
    public const string SecretGetOrCreate = "SecretGetOrCreate";
    public const string ImageGetOrCreate = "ImageGetOrCreate";
    public const string ImageJoinStreaming = "ImageJoinStreaming";
    public const string SandboxCreate = "SandboxCreate";
    public const string SandboxGetTaskId = "SandboxGetTaskId";
    public const string SandboxGetLogs = "SandboxGetLogs";
    public const string SandboxWait = "SandboxWait";
    public const string SandboxTerminate = "SandboxTerminate";
    public const string SandboxList = "SandboxList";
    public const string SandboxCreateV2 = "SandboxCreateV2";
    public const string SandboxGetCommandRouterAccess = "SandboxGetCommandRouterAccess";
    public const string SandboxGetTaskIdV2 = "SandboxGetTaskIdV2";
    public const string SandboxListV2 = "SandboxListV2";
    public const string SandboxTerminateV2 = "SandboxTerminateV2";
    public const string SandboxWaitV2 = "SandboxWaitV2";

    /// <summary>TaskCommandRouter: a V2 sandbox's stdout or stderr by byte offset.</summary>
    public const string SandboxStdioReadV2 = "SandboxStdioReadV2";

    /// <summary>Every RPC the emulator serves (both services).</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>
    {
        AuthTokenGet, AppGetOrCreate, EnvironmentGetOrCreate, SecretGetOrCreate, ImageGetOrCreate, ImageJoinStreaming,
        SandboxCreate, SandboxGetTaskId, SandboxGetLogs, SandboxWait, SandboxTerminate, SandboxList,
        SandboxCreateV2, SandboxGetCommandRouterAccess, SandboxGetTaskIdV2, SandboxListV2, SandboxTerminateV2, SandboxWaitV2,
        SandboxStdioReadV2,
    };

    /// <summary>The server-streaming RPCs (the others are unary).</summary>
    public static IReadOnlySet<string> Streaming { get; } = new HashSet<string> { ImageJoinStreaming, SandboxGetLogs, SandboxStdioReadV2 };

    /// <summary>The RPCs of the task command router (served on the router's own port).</summary>
    public static IReadOnlySet<string> Router { get; } = new HashSet<string> { SandboxStdioReadV2 };
}
