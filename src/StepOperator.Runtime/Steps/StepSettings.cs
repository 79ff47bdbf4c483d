using System;
using StepOperator.Rules;

namespace StepOperator;

/// <summary>
/// A step's settings as data, exactly as written in its attribute (null = not written, so an
/// omitted <see cref="GpuCount"/> stays distinguishable from <c>GpuCount = 1</c>).
/// </summary>
public sealed record StepSettings
{
    public string? Gpu { get; init; }

    public int? GpuCount { get; init; }

    /// <summary>CPU cores reserved (a minimum, not a cap).</summary>
    public double? CpuCount { get; init; }

    /// <summary>Memory reserved (a minimum, not a cap), as written ("32GB").</summary>
    public string? Memory { get; init; }

    /// <summary>The hard memory limit, as written ("64GB"); null for none.</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>The hard limit on CPU cores; null for none.</summary>
    public double? CpuLimit { get; init; }

    public int? Timeout { get; init; }

    public string? Region { get; init; }

    public string? Cloud { get; init; }

    public string? ModalEnvironment { get; init; }

    public string? StepOperator { get; init; }

    /// <summary>Whether the step may reuse an earlier output (null = not written: yes).</summary>
    public bool? EnableCache { get; init; }

    public int? MaxRetries { get; init; }

    /// <summary>Seconds before the first retry.</summary>
    public double? RetryDelay { get; init; }

    public double? RetryBackoff { get; init; }

    public bool? RetryOnException { get; init; }

    /// <summary>The retry policy with defaults filled in.</summary>
    public RetryPolicy Retry => new(MaxRetries ?? 0, RetryDelay ?? 1, RetryBackoff ?? 2, RetryOnException ?? false);

    /// <summary>The GPU string Modal is sent: "A100", "A100:2", or null for none.</summary>
    public string? ModalGpu => ResourceRules.ModalGpuString(Gpu, GpuCount);

    /// <summary>The time limit in seconds (86400 when not written).</summary>
    public int EffectiveTimeout => Timeout ?? ResourceRules.DefaultTimeoutSeconds;

    /// <summary>How many GPUs the step gets: none without a Gpu, GpuCount (default 1) with one.</summary>
    public int EffectiveGpuCount => ResourceRules.EffectiveGpuCount(Gpu, GpuCount);

    /// <summary>Memory in megabytes (Modal's units: "32GB" is 32000); null when unset or not a size.</summary>
    public long? MemoryMegabytes => Memory is not null && MemorySize.TryToMegabytes(Memory, out var megabytes, out _) ? megabytes : null;

    /// <summary>MemoryLimit in megabytes; null when unset or not a size.</summary>
    public long? MemoryLimitMegabytes => MemoryLimit is not null && MemorySize.TryToMegabytes(MemoryLimit, nameof(MemoryLimit), out var megabytes, out _) ? megabytes : null;

    internal StepResources ToResources() => new(Gpu, GpuCount, CpuCount, Memory, Timeout, Region, Cloud, MaxRetries, RetryDelay, RetryBackoff, MemoryLimit, CpuLimit);
}

/// <summary>How a step's failed attempts are tried again.</summary>
/// <param name="MaxRetries">Extra attempts after the first.</param>
/// <param name="Delay">Seconds before the first retry.</param>
/// <param name="Backoff">The factor each later delay is multiplied by.</param>
/// <param name="OnException">Whether the step's own exceptions are retried (backend failures always are).</param>
public sealed record RetryPolicy(int MaxRetries, double Delay, double Backoff, bool OnException)
{
    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    public TimeSpan DelayBefore(int retry) =>
        TimeSpan.FromSeconds(Delay * Math.Pow(Backoff, retry - 1));
}
