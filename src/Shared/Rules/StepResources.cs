// The resource settings of one step, exactly as written (null = not written).
namespace StepOperator.Rules;

/// <summary>
/// A step's resource settings as the user wrote them. Every member is null when it was not
/// written, so "GpuCount omitted" and "GpuCount = 1" stay distinguishable. <see cref="CpuCount"/> and
/// <see cref="Memory"/> are reservations (Modal's milli_cpu and memory_mb); <see cref="CpuLimit"/> and
/// <see cref="MemoryLimit"/> are hard limits (milli_cpu_max and memory_mb_max).
/// </summary>
internal sealed record StepResources(
    string? Gpu = null,
    int? GpuCount = null,
    double? CpuCount = null,
    string? Memory = null,
    int? Timeout = null,
    string? Region = null,
    string? Cloud = null,
    int? MaxRetries = null,
    double? RetryDelay = null,
    double? RetryBackoff = null,
    string? MemoryLimit = null,
    double? CpuLimit = null);
