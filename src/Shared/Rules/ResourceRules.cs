// One source of truth for Modal's resource rules: the analyzer reports these violations as
// diagnostics (same IDs, same message formats and arguments, so the same text) and the runtime
// applies them to run-time overrides.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StepOperator.Rules;

/// <summary>
/// One broken rule: the diagnostic ID, the setting it concerns and the arguments of the rule's message format
/// (<see cref="ResourceRules.MessageFormats"/>), which the analyzer passes to its diagnostic as they are.
/// </summary>
internal sealed record ResourceViolation(string RuleId, string Property, IReadOnlyList<string> Arguments, string? Suggestion = null)
{
    /// <summary>The rule's message format filled with the arguments: what the analyzer and the runtime show.</summary>
    public string Message => string.Format(CultureInfo.InvariantCulture, ResourceRules.MessageFormats.For(RuleId), Arguments.ToArray<object>());
}

/// <summary>Modal's resource rules, as ZenML's Modal step operator applies them.</summary>
internal static class ResourceRules
{
    public const int MinTimeoutSeconds = 1;
    public const int MaxTimeoutSeconds = 86_400;
    public const int DefaultTimeoutSeconds = MaxTimeoutSeconds;

    /// <summary>The smallest CPU request Modal can express (one thousandth of a core).</summary>
    public const double MinCpuCount = 0.001;

    /// <summary>Cloud providers Modal schedules on (lower case, as Modal spells them).</summary>
    public static IReadOnlyList<string> Clouds { get; } = new[] { "aws", "gcp", "oci", "auto" };

    public static class Ids
    {
        public const string GpuCountWithoutType = "SOP001";
        public const string GpuTypeIgnored = "SOP002";
        public const string MalformedMemory = "SOP003";
        public const string UnknownGpu = "SOP004";
        public const string GpuCountOutOfRange = "SOP005";
        public const string CpuCountNotPositive = "SOP006";
        public const string TimeoutOutOfRange = "SOP007";
        public const string UnknownCloud = "SOP008";
        public const string PlanRestricted = "SOP009";
        public const string RetryPolicyOutOfRange = "SOP010";
        public const string LimitBelowRequest = "SOP011";
        public const string GpuSpelling = "SOP012";
    }

    /// <summary>
    /// Each rule's message format (a composite format: "{0}" is its first argument). Where a rule has several cases, the
    /// arguments carry what differs between them, so one format serves all of them.
    /// </summary>
    public static class MessageFormats
    {
        /// <summary>{0}: the GPU count.</summary>
        public const string GpuCountWithoutType =
            "GpuCount = {0} asks for GPUs but no Gpu type is set. Add Gpu = \"A100\" (or another catalog type), or set GpuCount = 0.";

        /// <summary>{0}: the GPU type.</summary>
        public const string GpuTypeIgnored =
            "GpuCount = 0 with Gpu = \"{0}\": the GPU type is ignored and the step runs on CPU only. Set GpuCount = 1 (or more), or remove Gpu.";

        /// <summary>{0}: the setting (Memory or MemoryLimit); {1}: its value; {2}: what is wrong with it and the fix.</summary>
        public const string MalformedMemory = MemorySize.ProblemFormat;

        /// <summary>{0}: the GPU type as written; {1}: as it is sent; {2}: the nearest type or the catalog, and how to write a count (may be empty).</summary>
        public const string UnknownGpu =
            "GPU type \"{0}\" is not in Modal's catalog as StepOperator knows it; it is sent as \"{1}\" and Modal refuses the sandbox unless it offers that type.{2}";

        /// <summary>{0}: the GPU count; {1}: why it is out of range; {2}: the fix.</summary>
        public const string GpuCountOutOfRange = "GpuCount = {0} is {1}. {2}.";

        /// <summary>
        /// {0}: the setting (CpuCount or CpuLimit); {1}: its value; {2}: the smallest count; {3}: examples; {4}: the end of the
        /// sentence, which says what omitting the setting means where that is worth saying (CpuLimit).
        /// </summary>
        public const string CpuCountNotPositive = "{0} = {1} must be greater than 0 (at least {2}, for example {3}){4}";

        /// <summary>{0}: the timeout; {1}, {2}: Modal's range; {3}: the default.</summary>
        public const string TimeoutOutOfRange =
            "Timeout = {0} seconds is outside Modal's range {1}..{2} (24 hours). Use a value in that range, or omit it for the default of {3}.";

        /// <summary>{0}: the cloud as written; {1}: the clouds Modal knows; {2}: the suggestion (may be empty).</summary>
        public const string UnknownCloud = "Cloud \"{0}\" is not one Modal schedules on; use one of {1}.{2}";

        /// <summary>{0}: the setting (Region or Cloud).</summary>
        public const string PlanRestricted =
            "{0} is honoured only on Modal's Team and Enterprise plans; on other plans Modal rejects the sandbox. Prefer looser settings (omit {0}) unless your workspace has such a plan.";

        /// <summary>{0}: the setting; {1}: its value (with its unit); {2}, {3}: the bounds; {4}: what the setting means and the fix.</summary>
        public const string RetryPolicyOutOfRange = "{0} = {1} is outside {2}..{3}{4}";

        /// <summary>{0}: the limit; {1}: its value; {2}: how it relates to its request; {3}: the rule; {4}: the fix.</summary>
        public const string LimitBelowRequest = "{0} = {1} {2}: {3}. {4}.";

        /// <summary>{0}: the GPU type as written; {1}: as Modal's catalog spells it.</summary>
        public const string GpuSpelling =
            "GPU type \"{0}\" is Modal's \"{1}\": Modal's SDKs upper-case the type, so both work. Write \"{1}\" as Modal's catalog spells it.";

        /// <summary>The message format of a rule's ID.</summary>
        public static string For(string ruleId) => ruleId switch
        {
            Ids.GpuCountWithoutType => GpuCountWithoutType,
            Ids.GpuTypeIgnored => GpuTypeIgnored,
            Ids.MalformedMemory => MalformedMemory,
            Ids.UnknownGpu => UnknownGpu,
            Ids.GpuCountOutOfRange => GpuCountOutOfRange,
            Ids.CpuCountNotPositive => CpuCountNotPositive,
            Ids.TimeoutOutOfRange => TimeoutOutOfRange,
            Ids.UnknownCloud => UnknownCloud,
            Ids.PlanRestricted => PlanRestricted,
            Ids.RetryPolicyOutOfRange => RetryPolicyOutOfRange,
            Ids.LimitBelowRequest => LimitBelowRequest,
            Ids.GpuSpelling => GpuSpelling,
            _ => throw new ArgumentOutOfRangeException(nameof(ruleId), ruleId, "A resource rule without a message format."),
        };
    }

    /// <summary>Retry bounds, as Modal's own retry policy has them: 0..10 retries, 0..60 s first delay, backoff 1..10.</summary>
    public const int MaxRetryCount = 10;
    public const double MaxRetryDelaySeconds = 60;
    public const double MinRetryBackoff = 1;
    public const double MaxRetryBackoff = 10;

    /// <summary>Every rule the settings break, in property order; empty when they are valid.</summary>
    public static IReadOnlyList<ResourceViolation> Validate(StepResources resources)
    {
        var violations = new List<ResourceViolation>();
        var gpu = resources.Gpu;
        var hasGpuType = !string.IsNullOrEmpty(gpu);

        if (hasGpuType)
        {
            var entry = GpuCatalog.Find(gpu!);
            if (entry is null)
            {
                // Not in this copy of the catalog: Modal may have added the type since, so it is sent as written (upper-cased,
                // as Modal's SDKs send it) and Modal decides. "A100:2" carries a count: a one-click rename to "A100" would
                // silently drop it, so no suggestion.
                var hasCount = gpu!.Contains(":");
                var suggestion = hasCount ? null : GpuCatalog.SuggestNearest(gpu);
                var countHint = hasCount ? " Write the type in Gpu and the count in GpuCount (Gpu = \"A100\", GpuCount = 2)." : string.Empty;
                var hint = suggestion is not null
                    ? $" Did you mean \"{suggestion}\"?"
                    : hasCount ? string.Empty : $" Known types: {GpuCatalog.NamesForMessage()}.";
                violations.Add(new ResourceViolation(Ids.UnknownGpu, nameof(StepResources.Gpu),
                    [gpu, GpuCatalog.WireName(gpu), hint + countHint], suggestion));
            }
            else
            {
                if (!string.Equals(gpu, entry.Name, StringComparison.Ordinal))
                {
                    violations.Add(new ResourceViolation(Ids.GpuSpelling, nameof(StepResources.Gpu), [gpu!, entry.Name], entry.Name));
                }

                if (resources.GpuCount is { } count && count > entry.MaxCount)
                {
                    var most = Number(entry.MaxCount);
                    violations.Add(new ResourceViolation(Ids.GpuCountOutOfRange, nameof(StepResources.GpuCount),
                        [Number(count), $"more than Modal attaches of {entry.Name} (at most {most} per container)", $"Use {most} or fewer, or split the work across steps"],
                        most));
                }
            }
        }

        if (resources.GpuCount is { } gpuCount)
        {
            if (gpuCount < 0)
            {
                violations.Add(new ResourceViolation(Ids.GpuCountOutOfRange, nameof(StepResources.GpuCount),
                    [Number(gpuCount), "negative", "Use 0 for a CPU-only step, or 1 or more with a Gpu type"],
                    hasGpuType ? "1" : "0"));
            }
            else if (gpuCount > 0 && !hasGpuType)
            {
                violations.Add(new ResourceViolation(Ids.GpuCountWithoutType, nameof(StepResources.GpuCount), [Number(gpuCount)]));
            }
            else if (gpuCount == 0 && hasGpuType)
            {
                violations.Add(new ResourceViolation(Ids.GpuTypeIgnored, nameof(StepResources.GpuCount), [gpu!]));
            }
        }

        // Modal takes thousandths of a core: below 0.001 nothing is left, and infinity is no number of cores.
        var cpuValid = resources.CpuCount is { } cpu && IsCoreCount(cpu);
        if (resources.CpuCount is { } cpuCount && !cpuValid)
        {
            violations.Add(new ResourceViolation(Ids.CpuCountNotPositive, nameof(StepResources.CpuCount),
                [nameof(StepResources.CpuCount), Number(cpuCount), Number(MinCpuCount), "0.5, 1 or 2", "."]));
        }

        var cpuLimitValid = resources.CpuLimit is { } cpuLimit && IsCoreCount(cpuLimit);
        if (resources.CpuLimit is { } badCpuLimit && !cpuLimitValid)
        {
            violations.Add(new ResourceViolation(Ids.CpuCountNotPositive, nameof(StepResources.CpuLimit),
                [nameof(StepResources.CpuLimit), Number(badCpuLimit), Number(MinCpuCount), "1, 2 or 4", ", or omitted for no hard limit."]));
        }

        long memoryMegabytes = 0;
        var memoryValid = resources.Memory is not null && MemorySize.TryToMegabytes(resources.Memory, out memoryMegabytes, out _);
        if (resources.Memory is not null && !memoryValid)
        {
            violations.Add(Malformed(resources.Memory, nameof(StepResources.Memory)));
        }

        long limitMegabytes = 0;
        var memoryLimitValid = resources.MemoryLimit is not null && MemorySize.TryToMegabytes(resources.MemoryLimit, out limitMegabytes, out _);
        if (resources.MemoryLimit is not null && !memoryLimitValid)
        {
            violations.Add(Malformed(resources.MemoryLimit, nameof(StepResources.MemoryLimit)));
        }

        // A hard limit comes with its request and is not below it, compared as Modal is sent them (milli_cpu, memory_mb):
        // modal-client py/modal/_resources.py refuses a limit lower than the request, and libmodal's sandbox
        // options (modal-js src/sandbox.ts, modal-go sandbox.go) refuse a limit without a request.
        if (cpuLimitValid)
        {
            var limit = resources.CpuLimit!.Value;
            if (resources.CpuCount is null)
            {
                violations.Add(new ResourceViolation(Ids.LimitBelowRequest, nameof(StepResources.CpuLimit),
                    [nameof(StepResources.CpuLimit), Number(limit), "has no CpuCount request", "Modal takes a CPU limit only with a request",
                     $"Add CpuCount (at most {Number(limit)}), for example CpuCount = {Number(limit)}"]));
            }
            else if (cpuValid && MilliCores(limit) < MilliCores(resources.CpuCount.Value))
            {
                var request = resources.CpuCount.Value;
                violations.Add(new ResourceViolation(Ids.LimitBelowRequest, nameof(StepResources.CpuLimit),
                    [nameof(StepResources.CpuLimit), Number(limit), $"is below CpuCount = {Number(request)}", BelowReservation,
                     $"Raise CpuLimit to {Number(request)} or more, or lower CpuCount to {Number(limit)}"]));
            }
        }

        if (memoryLimitValid)
        {
            var limit = resources.MemoryLimit!;
            if (resources.Memory is null)
            {
                violations.Add(new ResourceViolation(Ids.LimitBelowRequest, nameof(StepResources.MemoryLimit),
                    [nameof(StepResources.MemoryLimit), $"\"{limit}\"", "has no Memory request", "Modal takes a memory limit only with a request",
                     $"Add Memory (at most the limit), for example Memory = \"{limit}\""]));
            }
            else if (memoryValid && limitMegabytes < memoryMegabytes)
            {
                violations.Add(new ResourceViolation(Ids.LimitBelowRequest, nameof(StepResources.MemoryLimit),
                    [nameof(StepResources.MemoryLimit), $"\"{limit}\" ({Number(limitMegabytes)} MB)", $"is below Memory = \"{resources.Memory}\" ({Number(memoryMegabytes)} MB)", BelowReservation,
                     $"Raise MemoryLimit to \"{resources.Memory}\" or more, or lower Memory to \"{limit}\""]));
            }
        }

        if (resources.Timeout is { } timeout && (timeout < MinTimeoutSeconds || timeout > MaxTimeoutSeconds))
        {
            violations.Add(new ResourceViolation(Ids.TimeoutOutOfRange, nameof(StepResources.Timeout),
                [Number(timeout), Number(MinTimeoutSeconds), Number(MaxTimeoutSeconds), Number(DefaultTimeoutSeconds)],
                Number(timeout < MinTimeoutSeconds ? MinTimeoutSeconds : MaxTimeoutSeconds)));
        }

        if (resources.Cloud is { Length: > 0 } cloud && !IsKnownCloud(cloud))
        {
            var lower = cloud.Trim().ToLowerInvariant();
            var suggestion = IsKnownCloud(lower) ? lower : null;
            var hint = suggestion is not null ? $" Did you mean \"{suggestion}\"?" : string.Empty;
            violations.Add(new ResourceViolation(Ids.UnknownCloud, nameof(StepResources.Cloud), [cloud, string.Join(", ", Clouds), hint], suggestion));
        }

        if (resources.MaxRetries is { } retries && (retries < 0 || retries > MaxRetryCount))
        {
            violations.Add(new ResourceViolation(Ids.RetryPolicyOutOfRange, nameof(StepResources.MaxRetries),
                [nameof(StepResources.MaxRetries), Number(retries), "0", Number(MaxRetryCount), $". Use 0 (no retries) up to {Number(MaxRetryCount)} retries."]));
        }

        if (resources.RetryDelay is { } delay && !(delay >= 0 && delay <= MaxRetryDelaySeconds))
        {
            violations.Add(new ResourceViolation(Ids.RetryPolicyOutOfRange, nameof(StepResources.RetryDelay),
                [nameof(StepResources.RetryDelay), Number(delay) + " seconds", "0", Number(MaxRetryDelaySeconds), ". Use a delay in that range, for example 1 or 0.5."]));
        }

        if (resources.RetryBackoff is { } backoff && !(backoff >= MinRetryBackoff && backoff <= MaxRetryBackoff))
        {
            violations.Add(new ResourceViolation(Ids.RetryPolicyOutOfRange, nameof(StepResources.RetryBackoff),
                [nameof(StepResources.RetryBackoff), Number(backoff), Number(MinRetryBackoff), Number(MaxRetryBackoff),
                 ": each delay is the previous one times RetryBackoff. Use 1 for a fixed delay or 2 to double it."]));
        }

        if (!string.IsNullOrEmpty(resources.Region))
        {
            violations.Add(PlanRestricted(nameof(StepResources.Region)));
        }

        if (!string.IsNullOrEmpty(resources.Cloud))
        {
            violations.Add(PlanRestricted(nameof(StepResources.Cloud)));
        }

        return violations;
    }

    /// <summary>
    /// True for rules that never stop a run: SOP009 (plan note), SOP002 (GPU type ignored, CPU-only), SOP004 (a GPU
    /// type this catalog does not know, sent for Modal to judge) and SOP012 (a GPU type in another case than Modal's).
    /// </summary>
    public static bool IsAdvisory(ResourceViolation violation) =>
        violation.RuleId is Ids.PlanRestricted or Ids.GpuTypeIgnored or Ids.UnknownGpu or Ids.GpuSpelling;

    /// <summary>True for the advisory rules worth a warning where they are found (SOP002, SOP004); the others are notes.</summary>
    public static bool IsWarning(ResourceViolation violation) =>
        violation.RuleId is Ids.GpuTypeIgnored or Ids.UnknownGpu;

    /// <summary>True when the cloud is one Modal knows (case-sensitive).</summary>
    public static bool IsKnownCloud(string cloud)
    {
        foreach (var known in Clouds)
        {
            if (string.Equals(known, cloud, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The GPU string Modal's client sends: <c>TYPE</c> when the count was omitted, <c>TYPE:N</c>
    /// for N ≥ 1, and none (null) without a type or with a count of 0.
    /// </summary>
    public static string? ModalGpuString(string? gpu, int? gpuCount)
    {
        if (string.IsNullOrEmpty(gpu))
        {
            return null;
        }

        return gpuCount switch
        {
            null => gpu,
            0 => null,
            var count => $"{gpu}:{count.Value.ToString(CultureInfo.InvariantCulture)}",
        };
    }

    /// <summary>The GPU count a step gets: omitted with a type means one.</summary>
    public static int EffectiveGpuCount(string? gpu, int? gpuCount) =>
        string.IsNullOrEmpty(gpu) ? 0 : gpuCount ?? 1;

    /// <summary>Modal's CPU request in thousandths of a core (truncated).</summary>
    public static uint MilliCpu(double cores) => (uint)Math.Truncate(cores * 1000);

    /// <summary>Thousandths of a core as Modal's SDKs compute them (truncated), as a double: no overflow for any count.</summary>
    private static double MilliCores(double cores) => Math.Truncate(cores * 1000);

    private static bool IsCoreCount(double cores) => cores >= MinCpuCount && !double.IsInfinity(cores);

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private const string BelowReservation = "the hard limit cannot be lower than the reservation";

    private static ResourceViolation Malformed(string text, string property)
    {
        var corrections = MemorySize.SuggestCorrections(text);
        return new ResourceViolation(Ids.MalformedMemory, property, [property, text, MemorySize.Problem(text, property)!],
            corrections.Count > 0 ? corrections[0] : null);
    }

    private static ResourceViolation PlanRestricted(string property) => new(Ids.PlanRestricted, property, [property]);
}
