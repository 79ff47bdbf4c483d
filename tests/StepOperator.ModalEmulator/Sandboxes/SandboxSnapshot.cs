using System;
using System.Collections.Generic;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>
/// A sandbox as the emulator sees it at one moment: what was asked for (including GPUs, which are
/// recorded but cannot be attached here; MilliCpu and MemoryMb are reservations), its task and
/// container while running, and its result.
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
    int? ExitCode)
{
    /// <summary>V1 (SandboxCreate) or V2 (SandboxCreateV2).</summary>
    public SandboxVersion Version { get; init; }

    /// <summary>The hard CPU limit asked for (milli_cpu_max), 0 for none; <see cref="MilliCpu"/> is the reservation.</summary>
    public int MilliCpuMax { get; init; }

    /// <summary>The hard memory limit asked for (memory_mb_max), 0 for none; <see cref="MemoryMb"/> is the reservation.</summary>
    public int MemoryMbMax { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
