using System.Collections.Concurrent;
using System.Globalization;
using StepOperator.Execution;
using StepOperator.Runs;
using StepOperator.Stacks;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>
/// A step operator that starts no process: by default it runs the step call in this process, the way a step process
/// would (<see cref="StepProcess"/>: reads the invocation record, runs the entrypoint, writes the output or error.json);
/// a test can script any call instead (fail, throw, wait for cancellation). It keeps every launch and how many ran at once.
/// </summary>
internal sealed class FakeStepOperator : IStepOperator
{
    private readonly ConcurrentDictionary<string, Func<FakeCall, Task<StepExit>>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FakeLaunch> _launches = new();
    private readonly ConcurrentQueue<string> _cleanedUpRuns = new();
    private readonly object _gate = new();
    private int _running;
    private int _mostRunning;

    public string Name => "fake";

    /// <summary>Every launch, in the order the run made them.</summary>
    public IReadOnlyList<FakeLaunch> Launches => _launches.ToList();

    /// <summary>The invocation ids launched, in order (one entry per attempt).</summary>
    public IReadOnlyList<string> Launched => _launches.Select(l => l.InvocationId).ToList();

    /// <summary>The most calls that were inside <see cref="RunAsync"/> at the same time.</summary>
    public int MostRunningAtOnce
    {
        get
        {
            lock (_gate)
            {
                return _mostRunning;
            }
        }
    }

    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>The runs <see cref="CleanUpRunAsync"/> was asked to clean up.</summary>
    public IReadOnlyList<string> CleanedUpRuns => _cleanedUpRuns.ToList();

    /// <summary>Calls <paramref name="script"/> instead of running the step for every attempt of <paramref name="invocationId"/>.</summary>
    public void Script(string invocationId, Func<FakeCall, Task<StepExit>> script) => _scripts[invocationId] = script;

    public IReadOnlyList<string> UnenforcedSettings(StepSettings settings) => [];

    /// <summary>Connection failures (as every operator) and <see cref="FakeBackendLostException"/> are this backend's transient failures.</summary>
    public bool IsTransientFailure(Exception failure) => failure is FakeBackendLostException || TransientFailures.IsConnectionFailure(failure);

    public Task CleanUpRunAsync(string runId, CancellationToken cancellationToken)
    {
        _cleanedUpRuns.Enqueue(runId);
        return Task.CompletedTask;
    }

    public async Task<StepExit> RunAsync(StepLaunch launch, CancellationToken cancellationToken)
    {
        var attempt = int.Parse(launch.Environment["STEPOPERATOR_ATTEMPT"], CultureInfo.InvariantCulture);
        _launches.Enqueue(new FakeLaunch(launch.InvocationId, attempt, launch.Resumed));
        ChangeRunning(+1);
        try
        {
            var call = new FakeCall(launch, attempt, cancellationToken);
            return _scripts.TryGetValue(launch.InvocationId, out var script)
                ? await script(call)
                : await call.RunStepAsync();
        }
        finally
        {
            ChangeRunning(-1);
        }
    }

    private void ChangeRunning(int change)
    {
        lock (_gate)
        {
            _running += change;
            _mostRunning = Math.Max(_mostRunning, _running);
        }
    }
}

/// <summary>One launch the fake saw: the call, its attempt number and what a resumed run passed about it.</summary>
internal sealed record FakeLaunch(string InvocationId, int Attempt, ResumedCall? Resumed);

/// <summary>One attempt of a call, as a script sees it.</summary>
internal sealed class FakeCall(StepLaunch launch, int attempt, CancellationToken cancellationToken)
{
    public StepLaunch Launch => launch;

    public int Attempt => attempt;

    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>Runs the step call in this process as a step process would, and ends as such a process ends.</summary>
    public async Task<StepExit> RunStepAsync()
    {
        var call = StepEntrypointArguments.TryParse(launch.EntrypointArguments)
            ?? throw new InvalidOperationException("The launch names no step call: " + string.Join(' ', launch.EntrypointArguments));
        var error = new StringWriter();
        var exitCode = await StepProcess.RunAsync(call.Step, call.RunId, call.InvocationId, call.StoreLocation, error, cancellationToken);
        foreach (var line in error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            launch.Output.Line(line.TrimEnd('\r'), isError: true);
        }

        return new StepExit(exitCode, cancellationToken.IsCancellationRequested ? StepExitReason.Cancelled : StepExitReason.Exited);
    }

    /// <summary>Waits until the run stops this call, then ends as a stopped call does.</summary>
    public async Task<StepExit> WaitUntilStoppedAsync()
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        return new StepExit(130, StepExitReason.Cancelled);
    }
}

/// <summary>A failure the fake's backend treats as transient (like a preempted sandbox).</summary>
internal sealed class FakeBackendLostException(string message) : Exception(message);
