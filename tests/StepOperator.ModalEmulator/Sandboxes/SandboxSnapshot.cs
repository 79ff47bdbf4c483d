using System.Collections.Generic;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>
/// A sandbox as the emulator sees it at one moment: what was asked for (including GPUs, which are
/// recorded but cannot be attached here), its task and container while running, and its result.
/// </summary>
public sealed record SandboxSnapshot(
    string SandboxId,
    string AppId,
    string ImageId,
    string? TaskId,
    string? ContainerId,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    int MilliCpu,
    int MemoryMb,
    string? GpuType,
    int GpuCount,
    int TimeoutSeconds,
    IReadOnlyDictionary<string, string> Tags,
    bool IsRunning,
    string? ResultStatus,
    int? ExitCode);
