using System;
using System.Collections.Generic;
using StepOperator.ModalEmulator.Images;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>
/// A validated SandboxCreate: what to run, from which image, with which environment and limits.
/// Memory and CPU are what was asked for (Modal's defaults filled in); the *Max values are hard
/// limits when set, and the requests are the limits otherwise.
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
    private const long Mebibyte = 1024 * 1024;

    public long NanoCpus => (MilliCpuMax > 0 ? MilliCpuMax : MilliCpu) * 1_000_000L;

    public long MemoryLimitBytes => (MemoryMbMax > 0 ? MemoryMbMax : MemoryMb) * Mebibyte;

    public long MemoryReservationBytes => MemoryMb * Mebibyte;
}
