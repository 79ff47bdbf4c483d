using System.Collections.Concurrent;
using StepOperator.Artifacts;
using StepOperator.Runs;
using StepOperator.Stacks;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>
/// Runs pipelines in this process on a stack whose orchestrator and step operator are one <see cref="FakeStepOperator"/>
/// and whose artifact store is a <see cref="LocalArtifactStore"/> in a temporary folder (runs are kept beside it).
/// </summary>
internal sealed class RunHarness : IDisposable
{
    public RunHarness()
    {
        Store = new LocalArtifactStore(Path.Combine(Root, "store"));
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("stepoperator-orchestration-").FullName;

    public string RunsDirectory => Path.Combine(Root, "runs");

    public LocalArtifactStore Store { get; }

    public FakeStepOperator Operator { get; } = new();

    public RecordingRunView View { get; } = new();

    public Stack Stack => new("fake-stack", Store, Operator, Operator);

    /// <summary>Runs <paramref name="pipeline"/> on the fake stack; on <paramref name="time"/>'s clock when given, else the system's.</summary>
    public Task<RunRecord> RunAsync(PipelineDefinition pipeline, RunOptions? options = null, CancellationToken cancellationToken = default, TimeProvider? time = null) =>
        new PipelineRunner(new RunConsole(View), time ?? TimeProvider.System).RunAsync(pipeline, Stack, RunsDirectory, options ?? new RunOptions(), cancellationToken);

    /// <summary>The run's run.json as the next process (resume, reports) reads it.</summary>
    public RunRecord Saved(string runId) => RunRecord.Load(RunJson(runId));

    public string RunJson(string runId) => Path.Combine(RunsDirectory, runId, "run.json");

    /// <summary>The cache entries in the store, by key.</summary>
    public IReadOnlyList<string> CacheEntries()
    {
        var folder = Path.Combine(Store.Root, "cache", "entries");
        return Directory.Exists(folder) ? Directory.GetFiles(folder).Select(Path.GetFileNameWithoutExtension).Select(n => n!).ToList() : [];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

/// <summary>What the run showed: every step event with the step's status at that moment, every message and step line.</summary>
internal sealed class RecordingRunView : IRunView
{
    private readonly ConcurrentQueue<ShownEvent> _events = new();
    private readonly ConcurrentQueue<string> _messages = new();
    private readonly ConcurrentQueue<(string InvocationId, string Line)> _lines = new();

    public IReadOnlyList<ShownEvent> Events => _events.ToList();

    public IReadOnlyList<string> Messages => _messages.ToList();

    public IReadOnlyList<(string InvocationId, string Line)> Lines => _lines.ToList();

    public RunRecord? Finished { get; private set; }

    public IReadOnlyList<StepEvent> EventsOf(string invocationId) =>
        Events.Where(e => e.InvocationId == invocationId).Select(e => e.Change).ToList();

    public void RunStarted(RunRecord run, string runDirectory)
    {
    }

    public void Message(string text, bool isProblem) => _messages.Enqueue(text);

    public void StepLine(string invocationId, string line, bool isError) => _lines.Enqueue((invocationId, line));

    public void StepChanged(StepRecord step, StepEvent change, string? detail) =>
        _events.Enqueue(new ShownEvent(step.InvocationId, change, step.Status, detail));

    public void RunFinished(RunRecord run, string recordPath) => Finished = run;
}

/// <summary>A step event as the view was told it, with the step's status when it was told.</summary>
internal sealed record ShownEvent(string InvocationId, StepEvent Change, StepStatus Status, string? Detail);
