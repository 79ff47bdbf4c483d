// Every diagnostic StepOperator reports, in one place. IDs and severities are a contract
// (DESIGN.md); each has a page at docs/diagnostics/<ID>.md.
using Microsoft.CodeAnalysis;

namespace StepOperator.Analyzers;

internal static class DiagnosticDescriptors
{
    /// <summary>Where the help pages are: docs/diagnostics/ of the repository (its address is the build's RepositoryUrl).</summary>
    public const string HelpLinkBase = RepositoryAddress.Url + "/blob/" + RepositoryAddress.Branch + "/docs/diagnostics/";

    private const string Resources = "StepOperator.Resources";
    private const string Steps = "StepOperator.Steps";

    /// <summary>Key of a diagnostic property that holds the replacement a code fix offers.</summary>
    public const string SuggestionKey = "Suggestion";

    /// <summary>Key of a diagnostic property that names the code fix for this occurrence (SOP101: "AddPartial").</summary>
    public const string FixKey = "Fix";

    public static readonly DiagnosticDescriptor GpuCountWithoutType = Create(
        "SOP001", "GPU count without a GPU type", Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GpuTypeIgnored = Create(
        "SOP002", "GPU type is ignored because GpuCount is 0", Resources, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor MalformedMemory = Create(
        "SOP003", "Memory is not an integer with a unit", Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownGpu = Create(
        "SOP004", "GPU type is not in Modal's catalog", Resources, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor GpuCountOutOfRange = Create(
        "SOP005", "GPU count is negative or above the type's maximum", Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor CpuCountNotPositive = Create(
        "SOP006", "CPU count must be greater than 0", Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TimeoutOutOfRange = Create(
        "SOP007", "Timeout is outside 1..86400 seconds", Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownCloud = Create(
        "SOP008", "Cloud is not aws, gcp, oci or auto", Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PlanRestricted = Create(
        "SOP009", "Region and Cloud need a Modal Team or Enterprise plan", Resources, DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor RetryPolicyOutOfRange = Create(
        "SOP010", "Retry policy is outside Modal's bounds", Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor LimitBelowRequest = Create(
        "SOP011", "Resource limit without its request or below it", Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GpuSpelling = Create(
        "SOP012", "GPU type is not spelled as in Modal's catalog", Resources, DiagnosticSeverity.Hidden);

    public static readonly DiagnosticDescriptor UnsupportedMethodShape = Create(
        "SOP101", "Step method shape is not supported", Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedParameterPassing = Create(
        "SOP102", "Parameter passing is not supported", Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NotAnArtifactType = Create(
        "SOP103", "Type cannot be an artifact", Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateStepName = Create(
        "SOP104", "Two steps have the same name", Steps, DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor PipelineNeverRuns = Create(
        "SOP105", "The program's own entry point never runs its pipelines", Steps, DiagnosticSeverity.Warning);

    /// <summary>The descriptor of a shared resource rule's ID (SOP001–SOP012).</summary>
    public static DiagnosticDescriptor ForRule(string ruleId) => ruleId switch
    {
        "SOP001" => GpuCountWithoutType,
        "SOP002" => GpuTypeIgnored,
        "SOP003" => MalformedMemory,
        "SOP004" => UnknownGpu,
        "SOP005" => GpuCountOutOfRange,
        "SOP006" => CpuCountNotPositive,
        "SOP007" => TimeoutOutOfRange,
        "SOP008" => UnknownCloud,
        "SOP009" => PlanRestricted,
        "SOP010" => RetryPolicyOutOfRange,
        "SOP011" => LimitBelowRequest,
        "SOP012" => GpuSpelling,
        _ => throw new System.ArgumentOutOfRangeException(nameof(ruleId), ruleId, "A resource rule without a descriptor."),
    };

    private static DiagnosticDescriptor Create(string id, string title, string category, DiagnosticSeverity severity, params string[] tags) =>
        new(id, title, "{0}", category, severity, isEnabledByDefault: true,
            description: null, helpLinkUri: HelpLinkBase + id + ".md", customTags: tags);
}
