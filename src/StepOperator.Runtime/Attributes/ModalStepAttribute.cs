using System;

namespace StepOperator;

/// <summary>
/// Marks a method as a step that runs in a Modal sandbox with exactly these resources, from an
/// image built from this program. Every invalid combination is a compile-time diagnostic (SOP001–SOP012).
/// </summary>
/// <example>
/// <code>
/// [ModalStep(Gpu = "A100", Memory = "32GB", CpuCount = 2)]
/// public static async Task&lt;Model&gt; Train(Dataset data, CancellationToken ct) { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ModalStepAttribute : StepAttributeBase
{
    /// <summary>Modal region, such as "us-east-1" (Modal Team and Enterprise plans only).</summary>
    public string? Region { get; set; }

    /// <summary>Cloud provider: "aws", "gcp", "oci" or "auto" (Team and Enterprise plans only).</summary>
    public string? Cloud { get; set; }

    /// <summary>The Modal environment in which the app is looked up (Modal's default when unset).</summary>
    public string? ModalEnvironment { get; set; }

    /// <summary>A registered step operator's name; defaults to the active stack's step operator.</summary>
    public string? StepOperator { get; set; }
}
