// Every diagnostic StepOperator reports, in one place. IDs and severities are a contract
// (docs/diagnostics/README.md); each has a page at docs/diagnostics/<ID>.md that shows its message format.
using System;
using Microsoft.CodeAnalysis;
using StepOperator.Roslyn;
using StepOperator.Rules;

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

    /// <summary>SOP104's message: {0} the step name, {1} how many steps use it.</summary>
    public const string DuplicateStepNameFormat =
        "Step name '{0}' is used by {1} steps; step names select entrypoints and artifacts, so each must be unique. Rename the method or set Name = \"...\" on one of them.";

    /// <summary>
    /// SOP105's message: {0} the pipelines ("Pipeline 'Train' never runs"), {1} the entry point ("the top-level statements in
    /// Program.cs", "Program.Main"), {2} why StepOperator generated no Main, {3} the fix.
    /// </summary>
    public const string PipelineNeverRunsFormat =
        "{0}: the program's own entry point ({1}) never calls StepOperatorHost.RunAsync, and {2}. {3}.";

    public static readonly DiagnosticDescriptor GpuCountWithoutType = Create(
        "SOP001", "GPU count without a GPU type",
        ResourceRules.MessageFormats.GpuCountWithoutType,
        "GpuCount asks for GPUs but Gpu names no type, and Modal attaches GPUs by type. Set Gpu to a type from Modal's catalog (\"A100\"), or remove GpuCount.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GpuTypeIgnored = Create(
        "SOP002", "GPU type is ignored because GpuCount is 0",
        ResourceRules.MessageFormats.GpuTypeIgnored,
        "A Gpu type with GpuCount = 0 asks for no GPU: the step runs on CPU and the type is ignored. Remove Gpu, or set GpuCount to 1 or more.",
        Resources, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor MalformedMemory = Create(
        "SOP003", "Memory is not an integer with a unit",
        ResourceRules.MessageFormats.MalformedMemory,
        "Memory and MemoryLimit are an integer with a unit (\"32GB\", \"32GiB\", \"32768MB\"), which Modal receives in MiB. Write the size with a unit.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownGpu = Create(
        "SOP004", "GPU type is not in Modal's catalog",
        ResourceRules.MessageFormats.UnknownGpu,
        "The Gpu type is not in Modal's catalog; it is sent upper-cased for Modal to judge, and Modal refuses a type it does not have. Use a catalog type (the nearest is suggested).",
        Resources, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor GpuCountOutOfRange = Create(
        "SOP005", "GPU count is negative or above the type's maximum",
        ResourceRules.MessageFormats.GpuCountOutOfRange,
        "Modal attaches at most 8 GPUs of one type to a container (4 of A10 or A10G), and a count cannot be negative. Set GpuCount within the type's range.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor CpuCountNotPositive = Create(
        "SOP006", "CPU count must be greater than 0",
        ResourceRules.MessageFormats.CpuCountNotPositive,
        "CpuCount and CpuLimit are physical cores and must be greater than 0. Set a positive number of cores, or remove the setting.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TimeoutOutOfRange = Create(
        "SOP007", "Timeout is outside 1..86400 seconds",
        ResourceRules.MessageFormats.TimeoutOutOfRange,
        "Modal runs a sandbox for 1 second to 24 hours. Set Timeout between 1 and 86400 seconds.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownCloud = Create(
        "SOP008", "Cloud is not aws, gcp, oci or auto",
        ResourceRules.MessageFormats.UnknownCloud,
        "Modal places sandboxes on aws, gcp, oci, or anywhere (auto). Set Cloud to one of those.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PlanRestricted = Create(
        "SOP009", "Region and Cloud need a Modal Team or Enterprise plan",
        ResourceRules.MessageFormats.PlanRestricted,
        "Choosing a Region or Cloud is a feature of Modal's Team and Enterprise plans; on other plans Modal refuses the sandbox.",
        Resources, DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor RetryPolicyOutOfRange = Create(
        "SOP010", "Retry policy is outside Modal's bounds",
        ResourceRules.MessageFormats.RetryPolicyOutOfRange,
        "A step retries 0 to 10 times, waits 0 to 60 seconds before the first retry, and multiplies the wait by 1 to 10 per retry, as Modal's retry policies do.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor LimitBelowRequest = Create(
        "SOP011", "Resource limit without its request or below it",
        ResourceRules.MessageFormats.LimitBelowRequest,
        "A limit caps what a request reserves: MemoryLimit needs Memory and CpuLimit needs CpuCount, each at least as large as its request.",
        Resources, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GpuSpelling = Create(
        "SOP012", "GPU type is not spelled as in Modal's catalog",
        ResourceRules.MessageFormats.GpuSpelling,
        "The Gpu type is valid in any case, and Modal's catalog spells it upper-case; the fix writes it as Modal does.",
        Resources, DiagnosticSeverity.Hidden);

    public static readonly DiagnosticDescriptor UnsupportedMethodShape = Create(
        "SOP101", "Step method shape is not supported",
        StepShape.MessageFormats.UnsupportedShape,
        "A step is a method StepOperator can call from a generated entrypoint: not generic, not private, not a local function, in a partial type, with a receiver it can create.",
        Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedParameterPassing = Create(
        "SOP102", "Parameter passing is not supported",
        StepShape.MessageFormats.UnsupportedPassing,
        "A step's parameters are loaded from the artifact store and passed by value: ref, out and in parameters, pointers and ref structs cannot be.",
        Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NotAnArtifactType = Create(
        "SOP103", "Type cannot be an artifact",
        StepShape.MessageFormats.NotAnArtifact,
        "A step's parameters and result are stored as artifacts (serialized); delegates, spans, Type and similar values cannot be.",
        Steps, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateStepName = Create(
        "SOP104", "Two steps have the same name",
        DuplicateStepNameFormat,
        "Steps are found by name at run time, so two steps cannot share one. Rename one with [Step(Name = ...)] or by renaming its method.",
        Steps, DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor PipelineNeverRuns = Create(
        "SOP105", "The program's own entry point never runs its pipelines",
        PipelineNeverRunsFormat,
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

    private static DiagnosticDescriptor Create(string id, string title, string messageFormat, string description, string category, DiagnosticSeverity severity, params string[] tags) =>
        new(id, title, messageFormat, category, severity, isEnabledByDefault: true,
            description: description, helpLinkUri: HelpLinkBase + id + ".md", customTags: tags);
}
