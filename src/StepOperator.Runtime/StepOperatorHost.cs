using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Execution;
using StepOperator.Flavors;
using StepOperator.Hosting;
using StepOperator.Reporting;
using StepOperator.Runs;

namespace StepOperator;

/// <summary>
/// The program's command line. The generated Main calls it; a hand-written Main can too:
/// <c>return await StepOperatorHost.RunAsync(args);</c>
/// </summary>
public static class StepOperatorHost
{
    public const string StackVariable = "STEPOPERATOR_STACK";
    public const string HomeVariable = "STEPOPERATOR_HOME";

    /// <summary>How long a cancelled run may take to stop what it started before the process ends anyway.</summary>
    public static readonly TimeSpan CleanUpAfterCancelTimeout = TimeSpan.FromMinutes(1);

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    // Every step process starts with the step-entrypoint arguments: it goes straight to the step, without
    // loading and building the whole command line first (a step process's start-up is per-step overhead).
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        StepEntrypointArguments.TryParse(args) is { } call ? StepProcess.RunAsync(call, error)
        : StepEntrypointArguments.IsStandby(args) ? StepStandby.RunAsync(Console.OpenStandardInput(), error)
        : RunCommandLineAsync(args, output, error, HostContext.FromProcess());

    /// <summary>The command line with the configuration files and program name of <paramref name="context"/> instead of the process's.</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HostContext context) =>
        RunCommandLineAsync(args, output, error, context);

    /// <summary>The names of the program's commands (a test checks that every command is here).</summary>
    internal static IReadOnlySet<string> CommandNames { get; } = new[] { "plan", "resume", StepEntrypointArguments.Command, StackCommands.Name, FlavorCommands.Name }
        .Concat(ComponentTypes.All.Select(type => type.CommandName()))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Exit codes: 0 done, 1 the run failed, 2 nothing was started (a bad command line, configuration, stack or
    /// setting; one line on standard error says which and how to fix it), 130 the run was cancelled.
    /// </summary>
    private static async Task<int> RunCommandLineAsync(string[] args, TextWriter output, TextWriter error, HostContext context)
    {
        var root = BuildCommandLine(output, error, context);
        try
        {
            var parse = root.Parse(args);
            var exitCode = await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,

                // After Ctrl-C a run stops its sandboxes and containers; give that clean-up time instead of
                // System.CommandLine's default 2 s, after which it would end the process mid-clean-up.
                ProcessTerminationTimeout = CleanUpAfterCancelTimeout,
            }).ConfigureAwait(false);

            // System.CommandLine ends a command line it cannot parse with 1, the code of a failed run.
            return parse.Action is ParseErrorAction ? 2 : exitCode;
        }
        catch (Exception e) when (e is StackConfigurationException or UnknownNameException)
        {
            await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 2;
        }
    }

    internal static Command BuildCommandLine(TextWriter output, TextWriter error, HostContext context)
    {
        var pipelineArgument = new Argument<string?>("pipeline")
        {
            Description = "The pipeline to run (optional when the program has one).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var stackOption = new Option<string?>("--stack")
        {
            Description = $"The stack to run on (default: ${StackVariable}, else the active stack, else 'local').",
        };
        var homeOption = new Option<string>("--home")
        {
            Description = $"Where runs and local artifacts are kept (or ${HomeVariable}).",
            Recursive = true,
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } home ? home : context.DefaultHome,
        };
        var preventReuseOption = new Option<bool>("--prevent-build-reuse")
        {
            Description = "Build and push the step image even when an image with the same content exists.",
        };
        var setOption = new Option<string[]>("--set")
        {
            Description = "Override a step setting for this run: --set Train.Memory=64GB (repeatable; empty value removes it).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };

        var noCacheOption = new Option<bool>("--no-cache")
        {
            Description = "Run every step, even those whose code, settings and inputs are unchanged (their outputs still refresh the cache).",
        };
        var maxParallelOption = new Option<int?>("--max-parallel-steps")
        {
            Description = "At most this many step calls at once (default: the orchestrator's max_parallel_steps, else no limit; 0 for no limit).",
        };
        var noColorOption = new Option<bool>("--no-color")
        {
            Description = "Plain output, one line per event, instead of the live progress view (also when NO_COLOR is set or output is not a terminal).",
        };

        var root = ProgramCommand.Create(context.ProgramName, CommandNames, Describe());
        foreach (var option in new Option[] { stackOption, homeOption, preventReuseOption, setOption, noCacheOption, maxParallelOption, noColorOption })
        {
            root.Options.Add(option);
        }

        root.Arguments.Add(pipelineArgument);
        root.SetAction(async (parse, cancellationToken) =>
        {
            var view = Reporting.RunViews.Create(output, error, parse.GetValue(noColorOption));
            using var stopsTheView = view as IDisposable;
            var console = new RunConsole(view);
            if (Prepare(parse, console) is not { } prepared)
            {
                return 2;
            }

            if (parse.GetValue(maxParallelOption) is { } limit && limit < 0)
            {
                console.Problem($"--max-parallel-steps {limit}: use a whole number of 0 or more (0 for no limit).");
                return 2;
            }

            return await ExecuteAsync(parse, console, prepared, prepared.Options with { UseCache = !parse.GetValue(noCacheOption) },
                new StackCreationOptions(parse.GetValue(preventReuseOption)), cancellationToken).ConfigureAwait(false);
        });

        // Runs (or resumes) the prepared pipeline on its stack; the exit code says how the run ended.
        async Task<int> ExecuteAsync(ParseResult parse, RunConsole console, Prepared prepared, RunOptions options, StackCreationOptions creation, CancellationToken cancellationToken)
        {
            await using var stack = StackFactory.Create(prepared.Definition, prepared.Configuration, prepared.Home, creation);
            var maxParallel = parse.GetValue(maxParallelOption) is { } requested ? (requested == 0 ? null : requested) : stack.MaxParallelSteps;
            var record = await new PipelineRunner(console) { ReportWriter = RunReport.Write }.RunAsync(prepared.Pipeline, stack, Path.Combine(prepared.Home, "runs"), options with { MaxParallelSteps = maxParallel }, cancellationToken).ConfigureAwait(false);
            return record.Status switch
            {
                RunStatus.Succeeded => 0,
                RunStatus.Cancelled => 130,
                _ => 1,
            };
        }

        var planPipelineArgument = new Argument<string?>("pipeline")
        {
            Description = "The pipeline to plan (optional when the program has one).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var plan = new Command("plan", "Shows what a run would do, without running anything: each step's placement, resources, image, expected cache hits and estimated cost.")
        {
            planPipelineArgument, stackOption, setOption, noCacheOption,
        };
        plan.SetAction(async (parse, cancellationToken) =>
        {
            var console = new RunConsole(new PlainRunView(output, error));
            if (Prepare(parse, console, planPipelineArgument, planning: true) is not { } prepared)
            {
                return 2;
            }

            await using var stack = prepared.WhatIf?.Create(prepared.Home)
                ?? StackFactory.Create(prepared.Definition, prepared.Configuration, prepared.Home, new StackCreationOptions());
            var options = prepared.Options with { UseCache = !parse.GetValue(noCacheOption) };
            var planned = await Planning.PipelinePlanner.PlanAsync(prepared.Pipeline, stack, options, cancellationToken).ConfigureAwait(false);
            Planning.PipelinePlanner.Write(planned with { Warnings = [.. prepared.WhatIf?.Warnings ?? [], .. planned.Warnings] }, output);
            return 0;
        });
        root.Subcommands.Add(plan);

        var runIdArgument = new Argument<string?>("run-id")
        {
            Description = "The run to resume (default: the latest run).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var resume = new Command("resume", "Continues an interrupted run (same run id, pipeline and stack): step calls it completed are reused, the rest run.")
        {
            runIdArgument, setOption, maxParallelOption, noColorOption,
        };
        resume.SetAction(async (parse, cancellationToken) =>
        {
            var view = Reporting.RunViews.Create(output, error, parse.GetValue(noColorOption));
            using var stopsTheView = view as IDisposable;
            var console = new RunConsole(view);
            var runs = Path.Combine(Path.GetFullPath(parse.GetValue(homeOption)!), "runs");
            if (FindRun(runs, parse.GetValue(runIdArgument)) is not { } earlier)
            {
                console.Problem(parse.GetValue(runIdArgument) is { } wanted
                    ? $"There is no run '{wanted}' in {runs}. Runs are folders there with a run.json."
                    : $"There is no run to resume in {runs}.");
                return 2;
            }

            if (earlier.Status == RunStatus.Succeeded)
            {
                console.Info($"Run {earlier.RunId} succeeded; there is nothing to resume. Run the pipeline again instead (unchanged steps come from the cache).");
                return 0;
            }

            if (Prepare(parse, console, resuming: earlier) is not { } prepared)
            {
                return 2;
            }

            return await ExecuteAsync(parse, console, prepared, prepared.Options with { Resume = earlier }, new StackCreationOptions(), cancellationToken).ConfigureAwait(false);
        });
        root.Subcommands.Add(resume);

        // Everything is checked before anything is built or started.
        Prepared? Prepare(ParseResult parse, RunConsole console, Argument<string?>? pipelineSource = null, RunRecord? resuming = null, bool planning = false)
        {
            var pipeline = SelectPipeline(resuming?.Pipeline ?? parse.GetValue(pipelineSource ?? pipelineArgument));
            var home = Path.GetFullPath(parse.GetValue(homeOption)!);
            var configuration = context.LoadConfiguration();
            var stackName = resuming?.Stack ?? parse.GetValue(stackOption)
                ?? (Environment.GetEnvironmentVariable(StackVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : configuration.ActiveStack);
            // A plan on 'modal' before such a stack is registered pictures one (what is missing becomes warnings).
            var whatIf = planning ? Planning.WhatIfStack.For(stackName, configuration) : null;
            var definition = whatIf?.Definition ?? StackCommands.Registered(stackName, configuration);
            var steps = StepCatalog.Steps;
            var defaults = StepDefaults.ForStack(definition, configuration);
            var effective = StepOverrides.From(configuration.StepOverrides, parse.GetValue(setOption) ?? []).Apply(steps, defaults);
            foreach (var warning in effective.Warnings)
            {
                console.Problem($"warning: {warning}");
            }

            var problems = defaults.Problems.Concat(effective.Problems)
                .Concat(whatIf is null ? StackValidator.Validate(definition, configuration, steps, effective.Settings) : []).ToList();
            if (problems.Count > 0)
            {
                console.Problem($"Stack '{definition.Name}' cannot run pipeline '{pipeline.Name}'; nothing was started:");
                foreach (var problem in problems)
                {
                    console.Problem($"  - {problem}");
                }

                return null;
            }

            return new Prepared(pipeline, home, configuration, definition, effective) { WhatIf = whatIf };
        }

        var stepArgument = new Argument<string>("name") { Description = "The step to run." };
        var runIdOption = new Option<string>(StepEntrypointArguments.RunIdOption) { Description = "The run the call belongs to.", Required = true };
        var invocationOption = new Option<string>(StepEntrypointArguments.InvocationOption) { Description = "The call's id within the run.", Required = true };
        var storeOption = new Option<string>(StepEntrypointArguments.StoreOption) { Description = "The artifact store's location.", Required = true };
        var step = new Command(StepEntrypointArguments.Command, "Step-entrypoint mode: runs one step call (what child processes and containers start with).")
        {
            stepArgument, runIdOption, invocationOption, storeOption,
        };
        step.SetAction((parse, cancellationToken) => StepProcess.RunAsync(
            parse.GetValue(stepArgument)!, parse.GetValue(runIdOption)!, parse.GetValue(invocationOption)!,
            parse.GetValue(storeOption)!, error, cancellationToken));
        root.Subcommands.Add(step);

        root.Subcommands.Add(StackCommands.Create(output, context));
        root.Subcommands.Add(FlavorCommands.Create(output));
        foreach (var type in ComponentTypes.All)
        {
            root.Subcommands.Add(ComponentCommands.For(type, output, context));
        }

        return root;
    }

    private static PipelineDefinition SelectPipeline(string? name)
    {
        var pipelines = StepCatalog.Pipelines;
        if (name is not null)
        {
            return StepCatalog.FindPipeline(name) ?? throw new UnknownNameException(
                $"Unknown pipeline '{name}'. Pipelines of this program: {ListOrNone(pipelines.Select(p => p.Name))}.");
        }

        return pipelines.Count switch
        {
            1 => pipelines[0],
            0 => throw new UnknownNameException("This program has no [Pipeline] method to run."),
            _ => throw new UnknownNameException($"This program has several pipelines; name one: {ListOrNone(pipelines.Select(p => p.Name))}."),
        };
    }

    private static string Describe()
    {
        var text = new StringBuilder("Runs this program's pipeline with StepOperator.");
        text.AppendLine().AppendLine().AppendLine("Pipelines:");
        foreach (var pipeline in StepCatalog.Pipelines)
        {
            // A command's name means the command; after -- it is a pipeline's name.
            text.AppendLine(CommandNames.Contains(pipeline.Name) ? $"  {pipeline.Name} (also a command's name: run it with -- {pipeline.Name})" : $"  {pipeline.Name}");
        }

        text.AppendLine().AppendLine("Steps:");
        foreach (var step in StepCatalog.Steps)
        {
            var settings = step.Settings;
            var resources = string.Join(", ", new[]
            {
                settings.ModalGpu is { } gpu ? $"gpu {gpu}" : null,
                settings.CpuCount is { } cpu ? $"cpu {cpu}" : null,
                settings.CpuLimit is { } cpuLimit ? $"cpu limit {cpuLimit}" : null,
                settings.Memory is { } memory ? $"memory {memory}" : null,
                settings.MemoryLimit is { } memoryLimit ? $"memory limit {memoryLimit}" : null,
            }.Where(s => s is not null));
            text.AppendLine($"  {step.Name} ({(step.Placement == StepPlacement.Modal ? "modal step" : "step")}{(resources.Length > 0 ? ": " + resources : string.Empty)})");
        }

        // The backends this program can use: each flavor comes with its package (see 'flavor list').
        text.AppendLine().AppendLine("Flavors:");
        foreach (var type in ComponentTypes.All)
        {
            text.AppendLine($"  {type.CommandName()}: {FlavorCatalog.Describe(type)}");
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>A run's record by id, or the latest run's when no id is given; null when there is none.</summary>
    private static RunRecord? FindRun(string runsDirectory, string? runId)
    {
        if (!Directory.Exists(runsDirectory))
        {
            return null;
        }

        if (runId is not null)
        {
            // A run id is one folder name: nothing that could point elsewhere.
            if (runId is "." or ".." || runId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                return null;
            }

            var path = Path.Combine(runsDirectory, runId, "run.json");
            return File.Exists(path) ? RunRecord.Load(path) : null;
        }

        return Directory.GetDirectories(runsDirectory)
            .Select(directory => Path.Combine(directory, "run.json"))
            .Where(File.Exists)
            .Select(RunRecord.Load)
            .OrderByDescending(run => run.StartedAt)
            .FirstOrDefault();
    }

    private sealed record Prepared(
        PipelineDefinition Pipeline,
        string Home,
        StackConfiguration Configuration,
        StackDefinition Definition,
        EffectiveStepSettings Steps)
    {
        /// <summary>For a plan on a stack not registered yet: the stack it pictures.</summary>
        public Planning.WhatIfStack? WhatIf { get; init; }

        /// <summary>The run's options for these steps: their effective settings, and which came from the components' defaults.</summary>
        public RunOptions Options => new(Steps.Settings, Defaulted: Steps.Defaulted);
    }

    private static string ListOrNone(IEnumerable<string> names)
    {
        var list = string.Join(", ", names);
        return list.Length == 0 ? "(none)" : list;
    }
}
