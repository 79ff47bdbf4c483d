using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;
using StepOperator.Execution;
using StepOperator.Reporting;
using StepOperator.Runs;
using StepOperator.Stacks;

namespace StepOperator.Planning;

/// <summary>One step call of a plan.</summary>
/// <param name="InvocationId">The call's id ("Train", "Train.2").</param>
/// <param name="Placement">The step operator it would run on.</param>
/// <param name="Resources">Its resources, exactly as that operator applies or sends them.</param>
/// <param name="Gpu">The GPU string Modal is sent ("A100", "A100:2"), or null for none.</param>
/// <param name="Cache">Whether an earlier output would be reused, and if not, why.</param>
/// <param name="HourlyCost">Estimated US dollars per hour while it runs; null when the backend does not bill by resources.</param>
/// <param name="Ignored">Settings the operator cannot honour, as written ("Gpu = \"A100\"").</param>
/// <param name="Defaulted">The settings that came from the operator's (or orchestrator's) defaults because the step does not set them; null when none did.</param>
internal sealed record PlannedStep(
    string InvocationId, string Placement, string Resources, string? Gpu, CacheDecision? Cache, decimal? HourlyCost, IReadOnlyList<string> Ignored,
    Configuration.DefaultedSettings? Defaulted = null);

/// <summary>What a run of a pipeline would do: its steps, images and expected cache hits.</summary>
/// <param name="Pipeline">The pipeline.</param>
/// <param name="Stack">The stack.</param>
/// <param name="Steps">The step calls, in submission order.</param>
/// <param name="Images">Per step operator that needs one: the image and what a run would do to have it.</param>
/// <param name="Incomplete">Why the plan stops early (the pipeline reads an output that only a run would produce); null when complete.</param>
/// <param name="PipelineOutput">What the pipeline method itself printed while it was planned (its own Console output; step bodies do not run).</param>
internal sealed record PipelinePlan(string Pipeline, string Stack, IReadOnlyList<PlannedStep> Steps, IReadOnlyDictionary<string, ImagePlan> Images, string? Incomplete,
    IReadOnlyList<string>? PipelineOutput = null)
{
    /// <summary>What a run on this stack would need first (missing components, an artifact store that cannot be used), each with its fix.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>How the steps' hourly costs were estimated (<see cref="IStepOperator.CostBasis"/>); null when none is priced.</summary>
    public string? CostBasis { get; init; }
}

/// <summary>
/// Plans a run without starting anything: the pipeline method runs with stubs that decide placement
/// and cache (by the same code as a run) but launch no step; images are looked up, not built.
/// </summary>
internal static class PipelinePlanner
{
    public static async Task<PipelinePlan> PlanAsync(PipelineDefinition pipeline, Stack stack, RunOptions options, CancellationToken cancellationToken)
    {
        // The cache is read from the store: one that cannot be used is a warning (with its fix), and the plan reads
        // nothing from it instead.
        var warnings = new List<string>();
        var cacheKnown = true;
        try
        {
            await stack.CheckArtifactStoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactStoreUnavailableException e)
        {
            warnings.Add(e.Message + " (cache hits cannot be told until then)");
            stack = stack with { ArtifactStore = new EmptyArtifactStore(stack.ArtifactStore.Location, stack.ArtifactStore.IsRemote) };
            cacheKnown = false;
        }

        var record = new RunRecord
        {
            RunId = "plan-" + RunId.New(DateTimeOffset.UtcNow),
            Pipeline = pipeline.Name,
            Stack = stack.Name,
            ArtifactStore = stack.ArtifactStore.Location,
            StartedAt = DateTimeOffset.UtcNow,
        };
        var console = new RunConsole(new PlainRunView(TextWriter.Null, TextWriter.Null));
        using var run = new PipelineRun(stack, new RunJournal(record, runDirectory: null, console), console, options with { PlanOnly = true }, cancellationToken);
        string? incomplete = null;
        var previous = PipelineRun.Current;
        PipelineRun.Current = run;

        // The pipeline method runs here, in this process: what it prints itself is kept apart from the plan.
        var pipelineOutput = new PipelineOutputCapture();
        try
        {
            await pipeline.Run(run.CancellationToken).ConfigureAwait(false);
            await Task.WhenAll(run.Submitted).ConfigureAwait(false);
        }
        catch (ArtifactNotFoundException e)
        {
            var reader = record.Steps.FirstOrDefault(s => e.Key.Value.StartsWith(RunLayout.InvocationFolder(record.RunId, s.InvocationId).Value + "/", StringComparison.Ordinal))?.InvocationId;
            incomplete = $"the pipeline method reads the value of {(reader is null ? "a step" : $"step '{reader}'")}, which only a run produces, so the plan ends there: " +
                "step calls the method would make after that are not listed.";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            incomplete = $"the pipeline method stopped: {e.Message}";
        }
        finally
        {
            PipelineRun.Current = previous;
            pipelineOutput.Dispose();
        }

        // Every call the method submitted has made its decisions (placement, cache) before the plan lists them;
        // what a call that was still deciding would have said is not mistaken for a failure of the plan.
        await SettleAsync(run.Submitted).ConfigureAwait(false);

        var steps = new List<PlannedStep>();
        foreach (var step in record.Steps)
        {
            var definition = StepCatalog.FindStep(step.Step)!;
            var settings = options.Settings?.GetValueOrDefault(step.Step) ?? definition.Settings;
            var stepOperator = stack.OperatorFor(definition);
            steps.Add(new PlannedStep(step.InvocationId, stepOperator.Name, stepOperator.DescribeResources(settings), settings.ModalGpu, cacheKnown ? step.Cache : null,
                stepOperator.EstimateHourlyCost(settings), stepOperator.UnenforcedSettings(settings), options.Defaulted?.GetValueOrDefault(step.Step)));
        }

        var images = new Dictionary<string, ImagePlan>(StringComparer.Ordinal);
        foreach (var stepOperator in new[] { stack.Orchestrator, stack.StepOperator }.Distinct())
        {
            try
            {
                if (await stepOperator.PlanImageAsync(cancellationToken).ConfigureAwait(false) is { } image)
                {
                    images[stepOperator.Name] = image;
                }
            }
            catch (Exception e) when (e is BackendUnavailableException or IOException or HttpRequestException)
            {
                images[stepOperator.Name] = new ImagePlan(null, $"unknown: {e.Message}");
            }
        }

        var costBasis = string.Join("; ", record.Steps
            .Select(step => stack.OperatorFor(StepCatalog.FindStep(step.Step)!))
            .Distinct()
            .Select(stepOperator => stepOperator.CostBasis)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal));
        return new PipelinePlan(pipeline.Name, stack.Name, steps, images, incomplete, pipelineOutput.Lines)
        {
            Warnings = warnings,
            CostBasis = costBasis.Length == 0 ? null : costBasis,
        };
    }

    /// <summary>Waits for every call to finish deciding; their own outcomes are in their records.</summary>
    private static async Task SettleAsync(Task[] calls)
    {
        try
        {
            await Task.WhenAll(calls).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A call the pipeline did not await that could not be planned: the plan lists what it decided.
        }
    }

    /// <summary>The plan as text: one block per step, then images and the cost table.</summary>
    public static void Write(PipelinePlan plan, TextWriter output)
    {
        output.WriteLine($"Plan: pipeline '{plan.Pipeline}' on stack '{plan.Stack}' ({plan.Steps.Count} step call{(plan.Steps.Count == 1 ? string.Empty : "s")}; nothing is started)");
        foreach (var warning in plan.Warnings)
        {
            output.WriteLine($"  warning: {warning}");
        }

        foreach (var step in plan.Steps)
        {
            output.WriteLine($"  {step.InvocationId}");
            output.WriteLine($"    placement: {step.Placement}");
            output.WriteLine($"    resources: {step.Resources}");
            if (step.Defaulted is { } defaulted)
            {
                output.WriteLine($"    from {defaulted.Component} defaults: {string.Join(", ", defaulted.Settings)}");
            }

            output.WriteLine($"    gpu: {step.Gpu ?? "none"}");
            if (step.Ignored.Count > 0)
            {
                output.WriteLine($"    not enforced by '{step.Placement}': {string.Join(", ", step.Ignored)}");
            }

            output.WriteLine($"    cache: {(step.Cache is null ? "unknown" : step.Cache.Hit ? "hit (" + step.Cache.Reason + ")" : "miss: " + step.Cache.Reason)}");
            output.WriteLine($"    cost: {(step.HourlyCost is { } cost ? "$" + cost.ToString("0.0000", CultureInfo.InvariantCulture) + "/hour while it runs, for the reservation (more if it uses more)" : "not billed by resources")}");
        }

        foreach (var (stepOperator, image) in plan.Images)
        {
            output.WriteLine($"  image for '{stepOperator}': {image.Reference ?? "(unknown)"}: {image.Action}");
        }

        var hits = plan.Steps.Count(s => s.Cache?.Hit == true);
        output.WriteLine($"  cache: {hits} of {plan.Steps.Count} step call{(plan.Steps.Count == 1 ? string.Empty : "s")} expected to be reused");
        var priced = plan.Steps.Where(s => s.HourlyCost is not null).ToList();
        if (priced.Count > 0)
        {
            var running = priced.Where(s => s.Cache?.Hit != true).Sum(s => s.HourlyCost!.Value);
            output.WriteLine($"  estimated cost: ${running.ToString("0.0000", CultureInfo.InvariantCulture)} per hour of the steps that would run " +
                $"({plan.CostBasis ?? "as their step operators price them"}; cached steps cost nothing)");
        }

        if (plan.Incomplete is { } incomplete)
        {
            output.WriteLine($"  note: {incomplete}");
        }

        if (plan.PipelineOutput is { Count: > 0 } printed)
        {
            output.WriteLine("  pipeline output (printed by the [Pipeline] method itself while it was planned; steps do not run in a plan, so values it prints are not real):");
            foreach (var line in printed)
            {
                output.WriteLine($"  | {line}");
            }
        }
    }
}
