using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;
using StepOperator.Stacks;

namespace StepOperator.Runs;

/// <summary>
/// The orchestrator's side of one pipeline run: generated stubs submit step calls here; each call
/// waits for its inputs, is launched on the stack, and is recorded in run.json.
/// </summary>
internal sealed class PipelineRun
{
    private static readonly AsyncLocal<PipelineRun?> CurrentRun = new();

    private readonly object _gate = new();
    private readonly List<Task> _steps = new();
    private readonly Dictionary<string, int> _callsPerStep = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ignoredSettingsReported = new(StringComparer.Ordinal);

    private readonly IReadOnlyDictionary<string, StepSettings>? _settings;

    public PipelineRun(Stack stack, RunRecorder recorder, RunConsole console, IReadOnlyDictionary<string, StepSettings>? settings, CancellationToken cancellationToken)
    {
        _settings = settings;
        Stack = stack;
        Recorder = recorder;
        Console = console;
        CancellationToken = cancellationToken;
    }

    public static PipelineRun? Current
    {
        get => CurrentRun.Value;
        set => CurrentRun.Value = value;
    }

    public Stack Stack { get; }

    public RunRecorder Recorder { get; }

    public RunConsole Console { get; }

    public CancellationToken CancellationToken { get; }

    public string RunId => Recorder.Record.RunId;

    /// <summary>Every submitted step call, for the runner to await at the end.</summary>
    public Task[] Submitted
    {
        get
        {
            lock (_gate)
            {
                return _steps.ToArray();
            }
        }
    }

    public (StepRecord Record, Task<ArtifactRef?> Completion) Submit(StepDefinition step, StepArgument[] arguments)
    {
        // Run-time overrides (already validated) replace the settings written in the attribute.
        if (_settings is not null && _settings.TryGetValue(step.Name, out var effective))
        {
            step = step with { Settings = effective };
        }

        StepRecord record;
        lock (_gate)
        {
            var call = _callsPerStep.GetValueOrDefault(step.Name) + 1;
            _callsPerStep[step.Name] = call;
            var invocationId = call == 1 ? step.Name : $"{step.Name}.{call}";
            record = new StepRecord { InvocationId = SafeId(invocationId), Step = step.Name, Placement = step.Placement };
            lock (Recorder.Record)
            {
                Recorder.Record.Steps.Add(record);
            }
        }

        var completion = ExecuteAsync(step, record, arguments);
        lock (_gate)
        {
            _steps.Add(completion);
        }

        return (record, completion);
    }

    private async Task<ArtifactRef?> ExecuteAsync(StepDefinition step, StepRecord record, StepArgument[] arguments)
    {
        await Task.Yield();
        var store = Stack.ArtifactStore;
        var folder = RunLayout.InvocationFolder(RunId, record.InvocationId);
        var stepOperator = Stack.OperatorFor(step);
        record.StepOperator = stepOperator.Name;
        try
        {
            foreach (var argument in arguments.Where(a => a.Output is not null))
            {
                var upstream = argument.Output!;
                ArtifactRef? reference;
                try
                {
                    reference = await upstream.Completion.ConfigureAwait(false);
                }
                catch (Exception) when (!CancellationToken.IsCancellationRequested)
                {
                    await FinishAsync(record, StepStatus.Skipped, $"not run: step '{upstream.InvocationId}' it depends on did not succeed").ConfigureAwait(false);
                    Console.Problem($"- {record.InvocationId}: not run, because '{upstream.InvocationId}' did not succeed");
                    throw new StepFailedException(step.Name, $"Step '{record.InvocationId}' did not run because step '{upstream.InvocationId}' failed.");
                }

                SetInput(record, argument.Parameter, reference
                    ?? throw new StepFailedException(step.Name, $"Step '{record.InvocationId}' input '{argument.Parameter}': step '{upstream.InvocationId}' produced no output."));
            }

            CancellationToken.ThrowIfCancellationRequested();
            foreach (var argument in arguments.Where(a => a.WriteValue is not null))
            {
                var key = folder.Child("inputs").Child(ArtifactSerializer.FileNameFor(argument.Parameter, argument.Type));
                await argument.WriteValue!(store, key, $"Step '{step.Name}' input '{argument.Parameter}'", CancellationToken).ConfigureAwait(false);
                SetInput(record, argument.Parameter, new ArtifactRef(key.Value, ArtifactSerializer.TypeName(argument.Type), ArtifactSerializer.FormatOf(argument.Type)));
            }

            if (step.OutputType is { } outputType)
            {
                var key = folder.Child(ArtifactSerializer.FileNameFor("output", outputType));
                record.Output = new ArtifactRef(key.Value, ArtifactSerializer.TypeName(outputType), ArtifactSerializer.FormatOf(outputType));
            }

            Dictionary<string, ArtifactRef> inputs;
            lock (Recorder.Record)
            {
                inputs = new Dictionary<string, ArtifactRef>(record.Inputs);
            }

            var invocation = new InvocationRecord(RunId, step.Name, record.InvocationId, inputs, record.Output);
            await store.WriteAsync(RunLayout.Invocation(RunId, record.InvocationId),
                (stream, ct) => JsonSerializer.SerializeAsync(stream, invocation, ArtifactSerializer.Options, ct), CancellationToken).ConfigureAwait(false);

            ReportIgnoredSettings(step, stepOperator);
            record.Status = StepStatus.Running;
            record.StartedAt = DateTimeOffset.UtcNow;
            await Recorder.SaveAsync().ConfigureAwait(false);
            Console.Info($"> {record.InvocationId}: started on '{stepOperator.Name}'");

            var environment = new Dictionary<string, string>(store.StepEnvironment)
            {
                ["STEPOPERATOR_RUN_ID"] = RunId,
                ["STEPOPERATOR_STEP"] = step.Name,
                ["STEPOPERATOR_INVOCATION"] = record.InvocationId,
            };
            var launch = new StepLaunch(step, RunId, record.InvocationId,
                StepEntrypointArguments.For(step.Name, RunId, record.InvocationId, store.Location),
                environment,
                new PrefixedSink(Console, record.InvocationId));
            var exit = await stepOperator.RunAsync(launch, CancellationToken).ConfigureAwait(false);
            record.ProcessId = exit.ProcessId;
            record.ExitCode = exit.ExitCode;
            record.AppliedLimits = exit.AppliedLimits is null ? null : new Dictionary<string, long>(exit.AppliedLimits);

            if (exit.Reason == StepExitReason.Exited && exit.ExitCode == 0)
            {
                await FinishAsync(record, StepStatus.Succeeded, null).ConfigureAwait(false);
                Console.Info($"< {record.InvocationId}: succeeded in {record.DurationSeconds:0.0}s");
                return record.Output;
            }

            var (status, reason) = exit.Reason switch
            {
                StepExitReason.TimedOut => (StepStatus.TimedOut, $"timed out after {step.Settings.EffectiveTimeout}s (Timeout)"),
                StepExitReason.Cancelled => (StepStatus.Cancelled, "cancelled"),
                StepExitReason.OutOfMemory => (StepStatus.Failed, $"killed for running out of memory (Memory = \"{step.Settings.Memory}\")"),
                _ when exit.Detail is not null => (StepStatus.Failed, exit.Detail),
                _ => (StepStatus.Failed, await DescribeFailureAsync(record, exit).ConfigureAwait(false)),
            };
            await FinishAsync(record, status, reason).ConfigureAwait(false);
            Console.Problem($"x {record.InvocationId}: {reason}");
            throw new StepFailedException(step.Name, $"Step '{record.InvocationId}' failed: {reason}");
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            if (record.FinishedAt is null)
            {
                await FinishAsync(record, StepStatus.Cancelled, "cancelled").ConfigureAwait(false);
            }

            throw;
        }
        catch (Exception e) when (e is not StepFailedException && e is not OperationCanceledException)
        {
            await FinishAsync(record, StepStatus.Failed, e.Message).ConfigureAwait(false);
            Console.Problem($"x {record.InvocationId}: {e.Message}");
            throw new StepFailedException(step.Name, e.Message);
        }
    }

    private async Task<string> DescribeFailureAsync(StepRecord record, StepExit exit)
    {
        var errorKey = RunLayout.Error(RunId, record.InvocationId);
        if (await Stack.ArtifactStore.ExistsAsync(errorKey, CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                var error = await ArtifactSerializer.ReadAsync<StepErrorRecord>(Stack.ArtifactStore, errorKey, "error report", CancellationToken.None).ConfigureAwait(false);
                return $"{error.ExceptionType}: {error.Message} (exit code {exit.ExitCode})";
            }
            catch (ArtifactSerializationException)
            {
                // Fall through to the exit code alone.
            }
        }

        return $"exited with code {exit.ExitCode}";
    }

    /// <summary>Records an input; under the record's lock, since run.json may be written at the same time.</summary>
    private void SetInput(StepRecord record, string parameter, ArtifactRef reference)
    {
        lock (Recorder.Record)
        {
            record.Inputs[parameter] = reference;
        }
    }

    private async Task FinishAsync(StepRecord record, StepStatus status, string? error)
    {
        record.Status = status;
        record.Error = error;
        record.FinishedAt = DateTimeOffset.UtcNow;
        await Recorder.SaveAsync().ConfigureAwait(false);
    }

    private void ReportIgnoredSettings(StepDefinition step, IStepOperator stepOperator)
    {
        var ignored = stepOperator.UnenforcedSettings(step.Settings);
        lock (_gate)
        {
            if (ignored.Count == 0 || !_ignoredSettingsReported.Add(step.Name))
            {
                return;
            }
        }

        Console.Info($"  {step.Name}: {string.Join(", ", ignored)} not enforced by step operator '{stepOperator.Name}' (ignored on this stack)");
    }

    private static string SafeId(string id) =>
        new(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());

    private sealed class PrefixedSink(RunConsole console, string invocationId) : IStepOutputSink
    {
        public void Line(string text, bool isError) => console.StepLine(invocationId, text, isError);
    }
}
