using System.Collections.Generic;

namespace StepOperator.ModalEmulator;

/// <summary>The names of the RPCs the emulator serves, as in the method path /modal.client.ModalClient/&lt;name&gt;.</summary>
public static class ModalRpc
{
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

    public static IReadOnlySet<string> All { get; } = new HashSet<string>
    {
        AuthTokenGet, AppGetOrCreate, EnvironmentGetOrCreate, SecretGetOrCreate, ImageGetOrCreate, ImageJoinStreaming,
        SandboxCreate, SandboxGetTaskId, SandboxGetLogs, SandboxWait, SandboxTerminate,
    };
}
