// Every diagnostic StepOperator reports, in one place. IDs and severities are a contract
// (DESIGN.md); each has a page at docs/diagnostics/<ID>.md.
using System;
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
        "SOP001", "GPU count without a GPU type",
        "GpuCount asks for GPUs but Gpu names no type, and Modal attaches GPUs by type. Set Gpu to a type from Modal's catalog (\"A100\"), or remove GpuCount.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GpuTypeIgnored = Create(
        "SOP002", "GPU type is ignored because GpuCount is 0",
        "A Gpu type with GpuCount = 0 asks for no GPU: the step runs on CPU and the type is ignored. Remove Gpu, or set GpuCount to 1 or more.",
        Resources, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor MalformedMemory = Create(
        "SOP003", "Memory is not an integer with a unit",
        "Memory and MemoryLimit are an integer with a unit (\"32GB\", \"32GiB\", \"32768MB\"), which Modal receives in MiB. Write the size with a unit.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownGpu = Create(
        "SOP004", "GPU type is not in Modal's catalog",
        "The Gpu type is not in Modal's catalog; it is sent upper-cased for Modal to judge, and Modal refuses a type it does not have. Use a catalog type (the nearest is suggested).",
        Resources, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor GpuCountOutOfRange = Create(
        "SOP005", "GPU count is negative or above the type's maximum",
        "Modal attaches at most 8 GPUs of one type to a container (4 of A10 or A10G), and a count cannot be negative. Set GpuCount within the type's range.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor CpuCountNotPositive = Create(
        "SOP006", "CPU count must be greater than 0",
        "CpuCount and CpuLimit are physical cores and must be greater than 0. Set a positive number of cores, or remove the setting.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TimeoutOutOfRange = Create(
        "SOP007", "Timeout is outside 1..86400 seconds",
        "Modal runs a sandbox for 1 second to 24 hours. Set Timeout between 1 and 86400 seconds.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownCloud = Create(
        "SOP008", "Cloud is not aws, gcp, oci or auto",
        "Modal places sandboxes on aws, gcp, oci, or anywhere (auto). Set Cloud to one of those.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PlanRestricted = Create(
        "SOP009", "Region and Cloud need a Modal Team or Enterprise plan",
        "Choosing a Region or Cloud is a feature of Modal's Team and Enterprise plans; on other plans Modal refuses the sandbox.",
        Resources, DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor RetryPolicyOutOfRange = Create(
        "SOP010", "Retry policy is outside Modal's bounds",
        "A step retries 0 to 10 times, waits 0 to 60 seconds before the first retry, and multiplies the wait by 1 to 10 per retry, as Modal's retry policies do.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor LimitBelowRequest = Create(
        "SOP011", "Resource limit without its request or below it",
        "A limit caps what a request reserves: MemoryLimit needs Memory and CpuLimit needs CpuCount, each at least as large as its request.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GpuSpelling = Create(
        "SOP012", "GPU type is not spelled as in Modal's catalog",
        "The Gpu type is valid in any case, and Modal's catalog spells it upper-case; the fix writes it as Modal does.",
        Resources, DiagnosticSeverity.Hidden);

    public static readonly DiagnosticDescriptor UnsupportedMethodShape = Create(
        "SOP101", "Step method shape is not supported",
        "A step is a method StepOperator can call from a generated entrypoint: not generic, not private, not a local function, in a partial type, with a receiver it can create.",
        Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedParameterPassing = Create(
        "SOP102", "Parameter passing is not supported",
        "A step's parameters are loaded from the artifact store and passed by value: ref, out and in parameters, pointers and ref structs cannot be.",
        Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NotAnArtifactType = Create(
        "SOP103", "Type cannot be an artifact",
        "A step's parameters and result are stored as artifacts (serialized); delegates, spans, Type and similar values cannot be.",
        Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateStepName = Create(
        "SOP104", "Two steps have the same name",
        "Steps are found by name at run time, so two steps cannot share one. Rename one with [Step(Name = ...)] or by renaming its method.",
        Steps, DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor PipelineNeverRuns = Create(
        "SOP105", "The program's own entry point never runs its pipelines",
        "The generator adds Main only to a program without an entry point of its own; a program whose own entry point never calls StepOperatorHost.RunAsync never runs its pipelines. Call it, or delete the entry point.",
        Steps, DiagnosticSeverity.Warning);

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
        _ => throw new ArgumentOutOfRangeException(nameof(ruleId), ruleId, "A resource rule without a descriptor."),
    };

    private static DiagnosticDescriptor Create(string id, string title, string description, string category, DiagnosticSeverity severity, params string[] tags) =>
        new(id, title, "{0}", category, severity, isEnabledByDefault: true,
            description: description, helpLinkUri: HelpLinkBase + id + ".md", customTags: tags);
}
