using System;

namespace StepOperator;

/// <summary>
/// What <see cref="StepAttribute"/> and <see cref="ModalStepAttribute"/> share: the step's name and
/// the resources a backend can honour. A property that was not written stays "unset", which is
/// different from its default value (see <see cref="GpuCountSpecified"/>).
/// </summary>
public abstract class StepAttributeBase : Attribute
{
    private int? _gpuCount;
    private double? _cpuCount;
    private double? _cpuLimit;

    /// <summary>The step's name; defaults to the method's name. Unique within the program.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// GPU type from Modal's catalog, such as "T4", "A100" or "H100", in any case ("a100" works: it is sent upper-cased,
    /// as Modal's SDKs send it). A type newer than StepOperator's copy of the catalog is a warning and is sent as written.
    /// </summary>
    public string? Gpu { get; set; }

    /// <summary>
    /// Number of GPUs. When omitted and <see cref="Gpu"/> is set, the step gets one GPU;
    /// 0 makes the step CPU-only (the type is then ignored).
    /// </summary>
    public int GpuCount
    {
        get => _gpuCount ?? 0;
        set => _gpuCount = value;
    }

    /// <summary>True when <see cref="GpuCount"/> was written.</summary>
    public bool GpuCountSpecified => _gpuCount.HasValue;

    /// <summary>
    /// CPU cores reserved for the step, such as 0.5 or 2: a guaranteed minimum, not a cap (the step may use more
    /// when the machine has them free). Modal's milli_cpu; on Docker, CPU shares in proportion to it.
    /// </summary>
    public double CpuCount
    {
        get => _cpuCount ?? 0;
        set => _cpuCount = value;
    }

    /// <summary>True when <see cref="CpuCount"/> was written.</summary>
    public bool CpuCountSpecified => _cpuCount.HasValue;

    /// <summary>True when <see cref="CpuLimit"/> was written.</summary>
    public bool CpuLimitSpecified => _cpuLimit.HasValue;

    /// <summary>
    /// A hard limit on CPU cores, such as 4: the step is throttled above it. Needs <see cref="CpuCount"/> and is
    /// not below it. Modal's milli_cpu_max; on Docker, the container's CPU quota.
    /// </summary>
    public double CpuLimit
    {
        get => _cpuLimit ?? 0;
        set => _cpuLimit = value;
    }

    /// <summary>
    /// Memory reserved for the step, an integer and a unit: "32GB", "32768MB", "32GiB". A guaranteed minimum, not
    /// a cap (the step may use more when the machine has it free). Modal's memory_mb; on Docker, a memory reservation.
    /// </summary>
    public string? Memory { get; set; }

    /// <summary>
    /// A hard memory limit, in the grammar of <see cref="Memory"/> ("64GB"): a step that uses more is killed and
    /// reported as out of memory. Needs <see cref="Memory"/> and is not below it. Modal's memory_mb_max; on Docker,
    /// the container's memory limit (swap included).
    /// </summary>
    public string? MemoryLimit { get; set; }

    /// <summary>Time limit in seconds, 1..86400 (24 hours, the default).</summary>
    public int Timeout { get; set; } = 86_400;

    /// <summary>
    /// Whether the step may reuse the output of an earlier call with the same code, settings and
    /// inputs instead of running (true by default; <c>dotnet run -- --no-cache</c> turns caching off for a run).
    /// </summary>
    public bool EnableCache { get; set; } = true;

    /// <summary>
    /// How many times a failed attempt is tried again, 0..10 (0, the default, tries once). Failures of
    /// the backend are retried; the step's own exceptions only with <see cref="RetryOnException"/>.
    /// </summary>
    public int MaxRetries { get; set; }

    /// <summary>Seconds before the first retry, 0..60 (1 by default).</summary>
    public double RetryDelay { get; set; } = 1;

    /// <summary>The factor each later delay is multiplied by, 1..10 (2 by default; 1 keeps the delay fixed).</summary>
    public double RetryBackoff { get; set; } = 2;

    /// <summary>Whether an exception thrown by the step itself is retried too (false by default).</summary>
    public bool RetryOnException { get; set; }
}
