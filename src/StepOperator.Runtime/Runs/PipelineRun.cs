using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;
using StepOperator.Caching;
using StepOperator.Configuration;
using StepOperator.Execution;
using StepOperator.Stacks;

namespace StepOperator.Runs;

/// <summary>How a run treats its steps.</summary>
/// <param name="Settings">Effective settings by step name (run-time overrides and component defaults applied), or null for the attributes'.</param>
/// <param name="UseCache">False for --no-cache: every step runs (its output still refreshes the cache).</param>
/// <param name="MaxParallelSteps">At most this many step calls run at once; null for no limit.</param>
/// <param name="PlanOnly">Decide everything (cache, placement) but start nothing: <c>dotnet run -- plan</c>.</param>
/// <param name="Resume">An interrupted run to continue (same run id): its completed step calls are reused when their code, settings and inputs are unchanged.</param>
/// <param name="Defaulted">By step name, the settings in <paramref name="Settings"/> that came from a component's defaults (for plans and messages).</param>
internal sealed record RunOptions(
    IReadOnlyDictionary<string, StepSettings>? Settings = null,
    bool UseCache = true,
    int? MaxParallelSteps = null,
    bool PlanOnly = false,
    RunRecord? Resume = null,
    IReadOnlyDictionary<string, DefaultedSettings>? Defaulted = null);

/// <summary>
/// The orchestrator's side of one pipeline run: generated stubs submit step calls here; each call
/// waits for its inputs, is looked up in the cache, runs on the stack (retried by its policy, within
/// the stack's parallelism) and is recorded in run.json through the run's <see cref="RunJournal"/>, the
/// one owner of the run record. The first step that fails stops the others.
/// </summary>
internal sealed class PipelineRun : IDisposable
{
    private const int KeptLines = 20;
    private static readonly AsyncLocal<PipelineRun?> CurrentRun = new();

    private readonly ConcurrentQueue<Task> _steps = new();
    private readonly ConcurrentDictionary<string, bool> _ignoredSettingsReported = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _outputFingerprints = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _userToken;
    private readonly SemaphoreSlim? _slots;
    private readonly StepCache _cache;
    private readonly Dictionary<string, StepRecord> _completedBefore;
    private readonly TimeProvider _time;

    /// <summary>Calls the interrupted run had started and not finished, by invocation id.</summary>
    private readonly Dictionary<string, StepRecord> _runningBefore;

    /// <param name="stack">Where the run's step calls run and its artifacts live.</param>
    /// <param name="journal">The owner of the run's state, which every step event goes through.</param>
    /// <param name="console">Where messages and the steps' lines are shown.</param>
    /// <param name="options">How the run treats its steps.</param>
    /// <param name="cancellationToken">Cancels the run (the user's Ctrl-C).</param>
    /// <param name="time">The clock retries wait by and cache entries are dated by (default the system's).</param>
    public PipelineRun(Stack stack, RunJournal journal, RunConsole console, RunOptions options, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Stack = stack;
        Journal = journal;
        Console = console;
        Options = options;
        _userToken = cancellationToken;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _slots = options.MaxParallelSteps is { } limit ? new SemaphoreSlim(limit, limit) : null;
        _cache = new StepCache(stack.ArtifactStore);
        _completedBefore = (options.Resume?.Steps ?? new List<StepRecord>())
            .Where(s => s.Status is StepStatus.Succeeded or StepStatus.Cached && s.Cache?.Key is not null)
            .ToDictionary(s => s.InvocationId, StringComparer.Ordinal);
        _runningBefore = (options.Resume?.Steps ?? new List<StepRecord>())
            .Where(s => s.Status is StepStatus.Running && s.Cache?.Key is not null)
            .ToDictionary(s => s.InvocationId, StringComparer.Ordinal);
    }

    public static PipelineRun? Current
    {
        get => CurrentRun.Value;
        set => CurrentRun.Value = value;
    }

    public Stack Stack { get; }

    /// <summary>Where every step event goes: the run record, run.json and the view.</summary>
    public RunJournal Journal { get; }

    public RunConsole Console { get; }

    public RunOptions Options { get; }

    /// <summary>Cancelled when the user cancels the run or when a step fails (the others are then stopped).</summary>
    public CancellationToken CancellationToken => _stop.Token;

    public string RunId => Journal.RunId;

    /// <summary>Every submitted step call, for the runner to await at the end.</summary>
    public Task[] Submitted => _steps.ToArray();

    public (StepRecord Record, Task<ArtifactRef?> Completion) Submit(StepDefinition step, StepArgument[] arguments)
    {
        // The effective settings (overrides and component defaults, already validated) replace the attribute's.
        if (Options.Settings is not null && Options.Settings.TryGetValue(step.Name, out var effective))
        {
            step = step with { Settings = effective };
        }

        var record = Journal.CallSubmitted(step, SafeName(step.Name), Stack.OperatorFor(step).Name);
        var completion = ExecuteAsync(step, record, arguments);
        _steps.Enqueue(completion);
        return (record, completion);
    }

    public void Dispose()
    {
        _stop.Dispose();
        _slots?.Dispose();
    }

    private async Task<ArtifactRef?> ExecuteAsync(StepDefinition step, StepRecord record, StepArgument[] arguments)
    {
        await Task.Yield();
        var stepOperator = Stack.OperatorFor(step);
        try
        {
            var inputs = await GatherInputsAsync(step, record, arguments).ConfigureAwait(false);
            var (ingredients, reused, reusedOutput) = await DecideCacheAsync(step, record, inputs).ConfigureAwait(false);
            if (reused)
            {
                return reusedOutput;
            }

            if (Options.PlanOnly)
            {
                // Where the output would be: enough for later steps to be planned.
                return OutputOf(step, record);
            }

            await inputs.WriteValuesAsync(Stack.ArtifactStore, CancellationToken).ConfigureAwait(false);
            await WriteInvocationAsync(step, record).ConfigureAwait(false);
            ReportIgnoredSettings(step, stepOperator);
            await RunAttemptsAsync(step, record, stepOperator).ConfigureAwait(false);
            await RememberAsync(step, record, ingredients).ConfigureAwait(false);
            return record.Output;
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            if (record.FinishedAt is null)
            {
                await Journal.StepFailedAsync(record, StepStatus.Cancelled, FailureKind.Terminated, StoppedBecause(record.Attempts.Count > 0 ? "stopped" : "not started"),
                    failsTheRun: false).ConfigureAwait(false);
            }

            throw;
        }
        catch (Exception e) when (e is not StepFailedException && e is not OperationCanceledException)
        {
            await FailedAsync(record, StepStatus.Failed, FailureKind.Orchestration, e.Message).ConfigureAwait(false);
            throw new StepFailedException(step.Name, e.Message);
        }
    }

    /// <summary>Waits for the upstream outputs and fingerprints every input (values are hashed, not yet stored, unless they are streams).</summary>
    private async Task<GatheredInputs> GatherInputsAsync(StepDefinition step, StepRecord record, StepArgument[] arguments)
    {
        var gathered = new GatheredInputs(step, record, this);
        foreach (var argument in arguments.Where(a => a.Output is not null))
        {
            var upstream = argument.Output!;
            ArtifactRef? reference;
            try
            {
                reference = await upstream.Completion.ConfigureAwait(false);
            }
            catch (Exception) when (!_userToken.IsCancellationRequested)
            {
                await Journal.SkippedAsync(record, upstream.InvocationId).ConfigureAwait(false);
                throw new StepFailedException(step.Name, $"Step '{record.InvocationId}' did not run because step '{upstream.InvocationId}' failed.");
            }

            Journal.InputRecorded(record, argument.Parameter, reference
                ?? throw new StepFailedException(step.Name, $"Step '{record.InvocationId}' input '{argument.Parameter}': step '{upstream.InvocationId}' produced no output."));
            gathered.Fingerprints[argument.Parameter] = _outputFingerprints[upstream.InvocationId];
        }

        CancellationToken.ThrowIfCancellationRequested();
        foreach (var argument in arguments.Where(a => a.Serialize is not null))
        {
            await gathered.FingerprintValueAsync(argument, Stack.ArtifactStore, CancellationToken).ConfigureAwait(false);
        }

        return gathered;
    }

    /// <summary>Decides whether the call reuses an earlier output (and records it if so); returns that output when it does.</summary>
    private async Task<CacheChoice> DecideCacheAsync(StepDefinition step, StepRecord record, GatheredInputs inputs)
    {
        // The step method as the registration bound it (or, for a definition made by hand, its entrypoint).
        var code = (step.Code ?? step.Entrypoint) is { } root ? CodeIdentity.Of(root.Method) : "method " + step.Method;
        var ingredients = new CacheIngredients(step.Name, code, CacheIngredients.SettingsFingerprint(step.Settings), inputs.Fingerprints);
        var key = ingredients.Key();
        var cacheable = step.Settings.EnableCache != false;

        // Downstream steps see this call's key when its output will be stored under it; otherwise a
        // per-run fingerprint, so they run again too.
        _outputFingerprints[record.InvocationId] = cacheable ? key : $"run {RunId} {record.InvocationId}";

        // Resuming: a call the interrupted run completed is reused whatever the cache settings, as long as
        // its code, settings and inputs are the same.
        if (_completedBefore.TryGetValue(record.InvocationId, out var before) && before.Cache!.Key == key &&
            (before.Output is null || await Stack.ArtifactStore.ExistsAsync(ArtifactKey.Parse(before.Output.Key), CancellationToken).ConfigureAwait(false)))
        {
            await ReuseAsync(record, new CacheDecision(true, "resumed: completed before the interruption", key) { SourceRun = RunId }, before.Output).ConfigureAwait(false);
            return new CacheChoice(ingredients, true, before.Output);
        }

        if (!Options.UseCache || !cacheable)
        {
            Journal.CacheDecided(record, new CacheDecision(false, cacheable ? "disabled (--no-cache)" : "disabled (EnableCache = false)", key));
            return new CacheChoice(ingredients, false, null);
        }

        var entry = await _cache.FindAsync(key, CancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            var reason = await _cache.ExplainMissAsync(Journal.Pipeline, record.InvocationId, ingredients, CancellationToken).ConfigureAwait(false);
            Journal.CacheDecided(record, new CacheDecision(false, reason, key));
            return new CacheChoice(ingredients, false, null);
        }

        await ReuseAsync(record, new CacheDecision(true, $"cached: output of run {entry.RunId} reused", key) { SourceRun = entry.RunId }, entry.Output).ConfigureAwait(false);
        return new CacheChoice(ingredients, true, entry.Output);
    }

    /// <summary>Records a call that reuses an earlier output instead of running (in a plan, only the decision).</summary>
    private async Task ReuseAsync(StepRecord record, CacheDecision decision, ArtifactRef? output)
    {
        if (Options.PlanOnly)
        {
            Journal.CacheDecided(record, decision);
            return;
        }

        await Journal.ReusedAsync(record, decision, output).ConfigureAwait(false);
    }

    /// <summary>Where this call's output goes in its run's folder; null for a step that returns nothing.</summary>
    private ArtifactRef? OutputOf(StepDefinition step, StepRecord record) =>
        step.OutputType is { } outputType
            ? ArtifactRef.For(RunLayout.InvocationFolder(RunId, record.InvocationId).Child(ArtifactSerializer.FileNameFor("output", outputType)), outputType)
            : null;

    private async Task WriteInvocationAsync(StepDefinition step, StepRecord record)
    {
        Journal.OutputPlaced(record, OutputOf(step, record));
        var inputs = new Dictionary<string, ArtifactRef>(record.Inputs);
        var invocation = new InvocationRecord(RunId, step.Name, record.InvocationId, inputs, record.Output);
        await Stack.ArtifactStore.WriteAsync(RunLayout.Invocation(RunId, record.InvocationId),
            (stream, ct) => JsonSerializer.SerializeAsync(stream, invocation, RuntimeJson.Default.InvocationRecord, ct), CancellationToken).ConfigureAwait(false);
    }

    private async Task RunAttemptsAsync(StepDefinition step, StepRecord record, IStepOperator stepOperator)
    {
        var policy = step.Settings.Retry;
        var sink = new RecordingSink(Console, record.InvocationId);
        for (var number = 1; ; number++)
        {
            await TakeSlotAsync(record).ConfigureAwait(false);
            AttemptRecord attempt;
            StepExit exit;
            try
            {
                attempt = await Journal.AttemptStartedAsync(record, number).ConfigureAwait(false);
                exit = await LaunchAsync(step, record, attempt, stepOperator, sink).ConfigureAwait(false);
                Journal.AttemptEnded(record, attempt, exit);
            }
            finally
            {
                _slots?.Release();
            }

            if (exit.Reason == StepExitReason.Exited && exit.ExitCode == 0)
            {
                await Journal.SucceededAsync(record).ConfigureAwait(false);
                return;
            }

            var (status, kind, reason) = await ClassifyAsync(step, record, exit).ConfigureAwait(false);
            var retryable = kind == FailureKind.Backend || (policy.OnException && kind is FailureKind.Exception or FailureKind.ExitCode);
            if (retryable && number <= policy.MaxRetries && !CancellationToken.IsCancellationRequested)
            {
                var delay = policy.DelayBefore(number);
                await Journal.RetryingAsync(record, attempt, kind, reason,
                    $"attempt {number} failed ({reason}); attempt {number + 1} of {policy.MaxRetries + 1} in {delay.TotalSeconds:0.##}s").ConfigureAwait(false);
                await Task.Delay(delay, _time, CancellationToken).ConfigureAwait(false);
                continue;
            }

            await FailedAsync(record, status, kind, reason, attempt, sink.LastLines()).ConfigureAwait(false);
            throw new StepFailedException(step.Name, $"Step '{record.InvocationId}' failed: {reason}");
        }
    }

    /// <summary>
    /// What the interrupted run knew of this call, for its first attempt here, when the call had started there with the
    /// same code, settings and inputs (its cache key): its last attempt's backend handle, if it was recorded.
    /// </summary>
    private ResumedCall? ResumedCallFor(StepRecord record, AttemptRecord attempt)
    {
        if (attempt.Number != 1 || !_runningBefore.TryGetValue(record.InvocationId, out var before) || before.Cache!.Key != record.Cache?.Key)
        {
            return null;
        }

        var last = before.Attempts.LastOrDefault();
        return new ResumedCall(last is { FinishedAt: null } ? last.Backend : null);
    }

    private async Task<StepExit> LaunchAsync(StepDefinition step, StepRecord record, AttemptRecord attempt, IStepOperator stepOperator, IStepOutputSink sink)
    {
        var store = Stack.ArtifactStore;
        var environment = new Dictionary<string, string>(store.StepEnvironment)
        {
            ["STEPOPERATOR_RUN_ID"] = RunId,
            ["STEPOPERATOR_STEP"] = step.Name,
            ["STEPOPERATOR_INVOCATION"] = record.InvocationId,
            ["STEPOPERATOR_ATTEMPT"] = attempt.Number.ToString(CultureInfo.InvariantCulture),
        };
        var launch = new StepLaunch(step, RunId, record.InvocationId,
            StepEntrypointArguments.For(step.Name, RunId, record.InvocationId, store.Location),
            environment,
            sink)
        {
            Track = call => Journal.BackendTrackedAsync(attempt, call),
            Resumed = ResumedCallFor(record, attempt),
        };
        try
        {
            return await stepOperator.RunAsync(launch, CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            return new StepExit(130, StepExitReason.Cancelled);
        }
        catch (Exception e) when (stepOperator.IsTransientFailure(e))
        {
            return new StepExit(-1, StepExitReason.BackendFailure) { Detail = $"lost the backend: {e.Message}" };
        }
    }

    private async Task<StepEnd> ClassifyAsync(StepDefinition step, StepRecord record, StepExit exit) => exit.Reason switch
    {
        StepExitReason.TimedOut => new StepEnd(StepStatus.TimedOut, FailureKind.Timeout, $"timed out after {step.Settings.EffectiveTimeout}s (Timeout)"),
        StepExitReason.Cancelled => new StepEnd(StepStatus.Cancelled, FailureKind.Terminated, StoppedBecause("stopped")),
        StepExitReason.OutOfMemory => new StepEnd(StepStatus.Failed, FailureKind.OutOfMemory, exit.Detail ?? OutOfMemoryKill(step.Settings, exit.ExitCode)),
        StepExitReason.BackendFailure => new StepEnd(StepStatus.Failed, FailureKind.Backend, exit.Detail ?? "the backend failed"),
        _ when exit.Detail is not null => new StepEnd(StepStatus.Failed, FailureKind.ExitCode, exit.Detail),
        _ => await DescribeExitAsync(record, exit).ConfigureAwait(false),
    };

    /// <summary>A backend's out-of-memory kill, in the words of the step's settings.</summary>
    private static string OutOfMemoryKill(StepSettings settings, int exitCode) => settings.MemoryLimit is { } limit
        ? $"killed for using more memory than its limit (MemoryLimit = \"{limit}\"; exit code {exitCode})"
        : $"killed for running out of memory (no MemoryLimit: the machine ran out; exit code {exitCode})";

    private async Task<StepEnd> DescribeExitAsync(StepRecord record, StepExit exit)
    {
        var errorKey = RunLayout.Error(RunId, record.InvocationId);
        if (await Stack.ArtifactStore.ExistsAsync(errorKey, CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                var error = await ArtifactSerializer.ReadAsync<StepErrorRecord>(Stack.ArtifactStore, errorKey, "error report", CancellationToken.None).ConfigureAwait(false);
                return error.OutOfMemory
                    ? new StepEnd(StepStatus.Failed, FailureKind.OutOfMemory, $"out of memory: {error.ExceptionType}: {error.Message} (exit code {exit.ExitCode})")
                    : new StepEnd(StepStatus.Failed, FailureKind.Exception, $"{error.ExceptionType}: {error.Message}"); // the exit code is recorded beside it
            }
            catch (ArtifactSerializationException)
            {
                // Fall through to the exit code alone.
            }
        }

        return new StepEnd(StepStatus.Failed, FailureKind.ExitCode, $"exited with code {exit.ExitCode}");
    }

    /// <summary>Stores the output under the call's cache key (when the step allows it) and remembers its ingredients.</summary>
    private async Task RememberAsync(StepDefinition step, StepRecord record, CacheIngredients ingredients)
    {
        if (step.Settings.EnableCache == false)
        {
            await _cache.RememberAsync(Journal.Pipeline, record.InvocationId, ingredients, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var entry = new CacheEntry(record.Cache!.Key!, RunId, record.InvocationId, record.Output, ingredients, _time.GetUtcNow());
        await _cache.StoreAsync(Journal.Pipeline, entry, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task TakeSlotAsync(StepRecord record)
    {
        if (_slots is null || _slots.Wait(0))
        {
            return;
        }

        Journal.Queued(record, $"at most {Options.MaxParallelSteps} steps run at once");
        await _slots.WaitAsync(CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records a call that failed by itself (not one stopped); the first such call stops the run: the others are cancelled.</summary>
    private async Task FailedAsync(StepRecord record, StepStatus status, FailureKind kind, string reason, AttemptRecord? attempt = null, List<string>? lastLines = null)
    {
        var first = await Journal.StepFailedAsync(record, status, kind, reason, failsTheRun: kind != FailureKind.Terminated, attempt, lastLines).ConfigureAwait(false);
        if (first)
        {
            _ = _stop.CancelAsync();
        }
    }

    private string StoppedBecause(string what)
    {
        if (_userToken.IsCancellationRequested)
        {
            return "cancelled";
        }

        var first = Journal.FailedFirst;
        return first is null ? "cancelled" : $"{what} because step '{first}' failed first";
    }

    private void ReportIgnoredSettings(StepDefinition step, IStepOperator stepOperator)
    {
        var ignored = stepOperator.UnenforcedSettings(step.Settings);
        if (ignored.Count == 0 || !_ignoredSettingsReported.TryAdd(step.Name, true))
        {
            return;
        }

        Console.Info($"  {step.Name}: {string.Join(", ", ignored)} not enforced by step operator '{stepOperator.Name}' (ignored on this stack)");
    }

    /// <summary>
    /// A step name as it appears in invocation ids and artifact keys: unchanged when it holds only letters,
    /// digits, '-' and '_'; otherwise every other character becomes '_' and a hash of the name is appended,
    /// so "a/b", "a_b" and "Train.2" (the second call of "Train" is "Train.2") never share a folder, and no
    /// name can reach outside the run's folder.
    /// </summary>
    internal static string SafeName(string name)
    {
        if (name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return name;
        }

        var kept = new string(name.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return $"{kept}-{hash}";
    }

    /// <summary>The value inputs of one call: hashed first, stored only when the call runs (streams are stored as they are hashed).</summary>
    private sealed class GatheredInputs(StepDefinition step, StepRecord record, PipelineRun run)
    {
        private readonly List<StepArgument> _unwritten = new();

        public SortedDictionary<string, string> Fingerprints { get; } = new(StringComparer.Ordinal);

        public async Task FingerprintValueAsync(StepArgument argument, IArtifactStore store, CancellationToken cancellationToken)
        {
            var owner = OwnerOf(argument);
            if (argument.IsOneShot && !run.Options.PlanOnly)
            {
                string? hash = null;
                await store.WriteAsync(KeyOf(argument), async (target, ct) =>
                {
                    var hashing = new HashingStream(target);
                    await argument.Serialize!(hashing, owner, ct).ConfigureAwait(false);
                    hash = hashing.Hash();
                }, cancellationToken).ConfigureAwait(false);
                Record(argument);
                Fingerprints[argument.Parameter] = "value " + hash;
                return;
            }

            using var discarding = HashingStream.Discarding();
            await argument.Serialize!(discarding, owner, cancellationToken).ConfigureAwait(false);
            Fingerprints[argument.Parameter] = "value " + discarding.Hash();
            _unwritten.Add(argument);
        }

        public async Task WriteValuesAsync(IArtifactStore store, CancellationToken cancellationToken)
        {
            foreach (var argument in _unwritten)
            {
                await store.WriteAsync(KeyOf(argument), (target, ct) => argument.Serialize!(target, OwnerOf(argument), ct), cancellationToken).ConfigureAwait(false);
                Record(argument);
            }

            _unwritten.Clear();
        }

        private string OwnerOf(StepArgument argument) => $"Step '{step.Name}' input '{argument.Parameter}'";

        private ArtifactKey KeyOf(StepArgument argument) =>
            RunLayout.InvocationFolder(run.RunId, record.InvocationId).Child("inputs").Child(ArtifactSerializer.FileNameFor(argument.Parameter, argument.Type));

        private void Record(StepArgument argument) =>
            run.Journal.InputRecorded(record, argument.Parameter, ArtifactRef.For(KeyOf(argument), argument.Type));
    }

    /// <summary>Passes a step's lines to the console and keeps the last ones for the failure report.</summary>
    private sealed class RecordingSink(RunConsole console, string invocationId) : IStepOutputSink
    {
        private readonly Queue<string> _last = new();

        public void Line(string text, bool isError)
        {
            lock (_last)
            {
                _last.Enqueue(text);
                if (_last.Count > KeptLines)
                {
                    _last.Dequeue();
                }
            }

            console.StepLine(invocationId, text, isError);
        }

        public List<string> LastLines()
        {
            lock (_last)
            {
                return _last.ToList();
            }
        }
    }
}

/// <summary>Whether a call reuses an earlier output: its cache ingredients, and the output reused (null when it runs).</summary>
internal sealed record CacheChoice(CacheIngredients Ingredients, bool Reused, ArtifactRef? Output);

/// <summary>How a call's attempt ended, as the run records it: its status, the kind of failure and the reason in words.</summary>
internal sealed record StepEnd(StepStatus Status, FailureKind Kind, string Reason);
