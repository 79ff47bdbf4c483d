using System;
using System.Collections.Generic;
using StepOperator.ModalEmulator.Images;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>
/// A validated SandboxCreate(V2): what to run, from which image, with which environment and resources.
/// As on Modal, milli_cpu and memory_mb (Modal's defaults filled in) are reservations, not caps
/// ("Containers can exceed this minimum if the worker has available CPU or memory", Modal's guide
/// "Configuring CPU, memory, and disk"); the hard limits are milli_cpu_max and memory_mb_max (0: none).
/// </summary>
internal sealed record SandboxSpec(
    ImageBuild Image,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    string? WorkingDir,
    uint MilliCpu,
    uint MilliCpuMax,
    uint MemoryMb,
    uint MemoryMbMax,
    string? GpuType,
    uint GpuCount,
    TimeSpan Timeout,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>
    /// Modal's default soft CPU limit lies this far above the request when no milli_cpu_max is set: Modal's guide
    /// (modal.com/docs/guide/resources, "Resource limits"): "Modal containers have a default soft CPU limit that is
    /// set at 4 physical cores above the CPU request ... Above this limit the host will begin to throttle".
    /// </summary>
    public const uint SoftCpuLimitAboveRequestMilli = 4_000;

    private const long Mebibyte = 1024 * 1024;

    /// <summary>The CPU cap in milli-cores: milli_cpu_max, else the request plus Modal's soft-limit headroom, at most <paramref name="machineMilliCpu"/>.</summary>
    public long CpuLimitMilli(long machineMilliCpu) =>
        Math.Min(MilliCpuMax > 0 ? MilliCpuMax : MilliCpu + (long)SoftCpuLimitAboveRequestMilli, machineMilliCpu);

    /// <summary>Docker's CPU shares for the request: 1024 per core, as the reservation's weight when cores are contended.</summary>
    public long CpuShares => Math.Max(2, MilliCpu * 1024L / 1000);

    /// <summary>The hard memory limit (memory_mb_max), or 0 for none.</summary>
    public long MemoryLimitBytes => MemoryMbMax * Mebibyte;

    /// <summary>The memory reservation (memory_mb): a soft limit the engine reclaims towards under memory pressure.</summary>
    public long MemoryReservationBytes => MemoryMb * Mebibyte;
}
