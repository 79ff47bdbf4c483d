using System;
using Microsoft.Extensions.Logging;

namespace StepOperator.Runs;

/// <summary>
/// The run's console: progress messages, step output and step events, handed to a view (plain lines by
/// default; a live table on a terminal). Thread-safe: steps report from many threads. It is also the
/// <see cref="ILogger"/> a run gives its step operators: information becomes a message, a warning or worse a problem.
/// </summary>
internal sealed class RunConsole : ILogger
{
    private readonly object _gate = new();

    public RunConsole(IRunView view) => View = view;

    public IRunView View { get; }

    public void Info(string message)
    {
        lock (_gate)
        {
            View.Message(message, isProblem: false);
        }
    }

    public void Problem(string message)
    {
        lock (_gate)
        {
            View.Message(message, isProblem: true);
        }
    }

    /// <summary>One line a step printed (called for every line: no allocation beyond the view's own).</summary>
    public void StepLine(string invocationId, string line, bool isError)
    {
        lock (_gate)
        {
            View.StepLine(invocationId, line, isError);
        }
    }

    public void StepChanged(StepRecord step, StepEvent change, string? detail = null)
    {
        lock (_gate)
        {
            View.StepChanged(step, change, detail);
        }
    }

    public void RunStarted(RunRecord run, string runDirectory)
    {
        lock (_gate)
        {
            View.RunStarted(run, runDirectory);
        }
    }

    public void RunFinished(RunRecord run, string recordPath)
    {
        lock (_gate)
        {
            View.RunFinished(run, recordPath);
        }
    }

    /// <summary>A step operator's log line: <see cref="LogLevel.Warning"/> and above are problems, the rest information.</summary>
    void ILogger.Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        if (logLevel >= LogLevel.Warning)
        {
            Problem(message);
        }
        else
        {
            Info(message);
        }
    }

    bool ILogger.IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    IDisposable? ILogger.BeginScope<TState>(TState state) => null;
}

/// <summary>What happened to a step call, as a view shows it.</summary>
internal enum StepEvent
{
    /// <summary>Its inputs are ready; it waits for a free slot (the stack's parallelism limit).</summary>
    Queued,

    /// <summary>An attempt started on its step operator.</summary>
    Started,

    /// <summary>An attempt failed and another follows after a delay (detail: the failure and the delay).</summary>
    Retrying,

    Succeeded,

    /// <summary>An earlier output was reused; the step did not run.</summary>
    Cached,

    /// <summary>The call failed, timed out or was stopped (the record says which and why).</summary>
    Failed,

    /// <summary>Not run, because a step it depends on did not succeed (detail: that step).</summary>
    Skipped,
}

/// <summary>
/// Shows a run as it happens. Calls come one at a time (the <see cref="RunConsole"/> serializes them)
/// but from any thread.
/// </summary>
internal interface IRunView
{
    void RunStarted(RunRecord run, string runDirectory);

    void Message(string text, bool isProblem);

    void StepLine(string invocationId, string line, bool isError);

    void StepChanged(StepRecord step, StepEvent change, string? detail);

    /// <summary>The run has ended and run.json is final: show the summary.</summary>
    void RunFinished(RunRecord run, string recordPath);
}
