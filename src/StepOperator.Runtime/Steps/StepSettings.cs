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

    public double? CpuCount { get; init; }

    public string? Memory { get; init; }

    public int? Timeout { get; init; }

    public string? Region { get; init; }

    public string? Cloud { get; init; }

    public string? ModalEnvironment { get; init; }

    public string? StepOperator { get; init; }

    /// <summary>The GPU string Modal is sent: "A100", "A100:2", or null for none.</summary>
    public string? ModalGpu => ResourceRules.ModalGpuString(Gpu, GpuCount);

    /// <summary>The time limit in seconds (86400 when not written).</summary>
    public int EffectiveTimeout => Timeout ?? ResourceRules.DefaultTimeoutSeconds;

    internal StepResources ToResources() => new(Gpu, GpuCount, CpuCount, Memory, Timeout, Region, Cloud);
}
