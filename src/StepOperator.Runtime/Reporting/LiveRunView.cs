using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Rendering;
using StepOperator.Runs;

namespace StepOperator.Reporting;

/// <summary>
/// A run on a terminal: a live table of its step calls (status, placement, elapsed time, last log line),
/// redrawn a few times a second; messages appear above it as they come. When the run finishes the table
/// gives way to the summary, the failed steps' last log lines and the run's outcome.
/// </summary>
/// <remarks>
/// Thread-safe. The <see cref="IRunView"/> calls only change the view's state; one background thread owns
/// the console while the display is up, and is the only one that writes to it (so a step's events never
/// interleave with a redraw). Dispose stops the display when a run ends without <see cref="RunFinished"/>.
/// </remarks>
internal sealed class LiveRunView : IRunView, IDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    private readonly IAnsiConsole _console;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private readonly List<Row> _rows = [];
    private readonly Dictionary<string, Row> _rowsById = new(StringComparer.Ordinal);
    private readonly Queue<QueuedMessage> _messages = new();

    private RunHeader? _run;
    private Thread? _display;
    private ManualResetEventSlim? _stop;
    private bool _live;

    /// <param name="console">The console to draw on; it should be interactive and support ANSI.</param>
    /// <param name="refreshInterval">How often the table is redrawn (default 250 ms).</param>
    /// <param name="clock">The clock for elapsed times (default the system's).</param>
    public LiveRunView(IAnsiConsole console, TimeSpan? refreshInterval = null, TimeProvider? clock = null)
    {
        _console = console ?? throw new ArgumentNullException(nameof(console));
        _refreshInterval = refreshInterval is { } interval && interval > TimeSpan.Zero ? interval : TimeSpan.FromMilliseconds(250);
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>True while the live display is up.</summary>
    public bool IsLive
    {
        get
        {
            lock (_gate)
            {
                return _live;
            }
        }
    }

    public void RunStarted(RunRecord run, string runDirectory)
    {
        ArgumentNullException.ThrowIfNull(run);
        StopDisplay();
        lock (_gate)
        {
            _rows.Clear();
            _rowsById.Clear();
            _run = new RunHeader(run.RunId, run.Pipeline, run.Stack, run.StartedAt == default ? _clock.GetUtcNow() : run.StartedAt, runDirectory);
            foreach (var step in run.Steps.ToList())
            {
                var row = RowFor(step.InvocationId);
                row.Placement = RunSummary.Placement(step);
                row.State = StateOf(step.Status, step.Failure);
                row.StartedAt = step.StartedAt;
                row.Duration = step.DurationSeconds;
            }

            _stop = new ManualResetEventSlim(false);
            _live = true;
            var stop = _stop;
            _display = new Thread(() => Display(stop))
            {
                IsBackground = true,
                Name = "StepOperator live run view",
            };
            _display.Start();
        }
    }

    public void Message(string text, bool isProblem)
    {
        lock (_gate)
        {
            if (_live)
            {
                _messages.Enqueue(new QueuedMessage(text, isProblem));
                return;
            }

            // No display up: nothing else writes to the console, so the message goes out at once.
            WriteMessages([new QueuedMessage(text, isProblem)]);
        }
    }

    public void StepLine(string invocationId, string line, bool isError)
    {
        lock (_gate)
        {
            var row = RowFor(invocationId);
            row.LastLine = TextCleaning.Line(line);
            row.LastLineIsError = isError;
            if (row.State is RowState.Pending or RowState.Queued)
            {
                row.State = RowState.Running;
                row.StartedAt ??= _clock.GetUtcNow();
            }
        }
    }

    public void StepChanged(StepRecord step, StepEvent change, string? detail)
    {
        ArgumentNullException.ThrowIfNull(step);
        lock (_gate)
        {
            var row = RowFor(step.InvocationId);
            row.Placement = RunSummary.Placement(step);
            var now = _clock.GetUtcNow();
            switch (change)
            {
                case StepEvent.Queued:
                    row.State = RowState.Queued;
                    row.Note = null;
                    break;
                case StepEvent.Started:
                    row.State = RowState.Running;
                    row.Attempt = Math.Max(1, step.Attempts.Count);
                    row.StartedAt = row.StartedAt ?? step.StartedAt ?? now;
                    row.Note = null;
                    break;
                case StepEvent.Retrying:
                    row.State = RowState.Retrying;
                    row.Attempt = step.Attempts.Count + 1;
                    row.StartedAt ??= step.StartedAt ?? now;
                    row.Note = detail;
                    break;
                case StepEvent.Succeeded:
                    row.State = RowState.Succeeded;
                    row.Duration = step.DurationSeconds ?? Since(row.StartedAt, now);
                    row.Note = null;
                    break;
                case StepEvent.Cached:
                    row.State = RowState.Cached;
                    row.Duration = null;
                    row.Note = step.Cache?.Reason;
                    break;
                case StepEvent.Skipped:
                    row.State = RowState.Skipped;
                    row.Note = detail is null ? step.Error : $"not run: '{detail}' did not succeed";
                    break;
                default:
                    row.State = StateOf(step.Status, step.Failure);
                    if (row.State is not (RowState.Failed or RowState.TimedOut or RowState.Cancelled))
                    {
                        row.State = RowState.Failed;
                    }

                    row.Failure = step.Failure;
                    row.Duration = step.DurationSeconds ?? Since(row.StartedAt, now);
                    row.Note = TextCleaning.Lines(step.Error).FirstOrDefault(l => l.Length > 0);
                    break;
            }
        }
    }

    public void RunFinished(RunRecord run, string recordPath)
    {
        ArgumentNullException.ThrowIfNull(run);
        StopDisplay();
        lock (_gate)
        {
            WriteSummary(run, recordPath);
        }
    }

    /// <summary>Stops the live display (if it is up) and shows any messages it had not shown yet.</summary>
    public void Dispose() => StopDisplay();

    /// <summary>What the live display shows now (the header line and the table of step calls).</summary>
    internal IRenderable Render()
    {
        RunHeader? run;
        List<RowSnapshot> rows;
        lock (_gate)
        {
            run = _run;
            rows = _rows.Select(r => r.Snapshot()).ToList();
        }

        return Layout(run, rows, _clock.GetUtcNow(), _console.Profile.Width, _console.Profile.Height);
    }

    // The display thread: owns the console until it is told to stop; redraws on a timer, writing the
    // messages that came in since the last redraw above the table.
    private void Display(ManualResetEventSlim stop)
    {
        try
        {
            _console.Live(Render())
                .AutoClear(true)
                .Overflow(VerticalOverflow.Ellipsis)
                .Cropping(VerticalOverflowCropping.Top)
                .Start(context =>
                {
                    var stopping = false;
                    while (true)
                    {
                        List<QueuedMessage> messages;
                        lock (_gate)
                        {
                            messages = [.. _messages];
                            _messages.Clear();
                        }

                        if (messages.Count > 0)
                        {
                            _console.Write(MessageText(messages));
                        }

                        context.UpdateTarget(Render());
                        if (stopping)
                        {
                            return;
                        }

                        stopping = stop.Wait(_refreshInterval);
                    }
                });
        }
        catch (Exception e)
        {
            // The display could not run (another live display, a console that went away): the messages
            // still reach the console, and the summary still comes at the end.
            lock (_gate)
            {
                _live = false;
                var messages = _messages.ToList();
                _messages.Clear();
                messages.Add(new QueuedMessage($"(live progress display stopped: {e.Message})", IsProblem: true));
                try
                {
                    WriteMessages(messages);
                }
                catch (Exception)
                {
                    // The console itself is gone; there is nowhere left to say anything.
                }
            }
        }
    }

    private void StopDisplay()
    {
        Thread? display;
        ManualResetEventSlim? stop;
        lock (_gate)
        {
            display = _display;
            stop = _stop;
            _display = null;
            _stop = null;
        }

        if (display is not null)
        {
            stop?.Set();
            if (display != Thread.CurrentThread)
            {
                display.Join(JoinTimeout);
            }
        }

        lock (_gate)
        {
            _live = false;
            if (_messages.Count > 0)
            {
                var messages = _messages.ToList();
                _messages.Clear();
                WriteMessages(messages);
            }
        }

        // Disposed only once the thread has let go of it (a thread that did not end in time keeps it).
        if (display is null || !display.IsAlive)
        {
            stop?.Dispose();
        }
    }

    private void WriteMessages(IReadOnlyList<QueuedMessage> messages) => _console.Write(MessageText(messages));

    private static Paragraph MessageText(IReadOnlyList<QueuedMessage> messages)
    {
        var text = new Paragraph();
        foreach (var message in messages)
        {
            foreach (var line in TextCleaning.Lines(message.Text))
            {
                text.Append(line + "\n", message.IsProblem ? new Style(Color.Red) : Style.Plain);
            }
        }

        return text;
    }

    private void WriteSummary(RunRecord run, string recordPath)
    {
        if (run.Steps.Count > 0)
        {
            _console.Write(SummaryTable(run, _console.Profile.Width));
        }

        // The live table showed one line per step: the failed ones' last lines come now.
        foreach (var step in RunSummary.Failures(run))
        {
            var body = new List<IRenderable>();

            // The exception's report among the last lines names it and its message: it is not said twice.
            if (!string.IsNullOrWhiteSpace(step.Error) && RunSummary.FailureReportStart(step) < 0)
            {
                body.Add(new Text(string.Join("\n", TextCleaning.Lines(step.Error)), new Style(Color.Red)));
            }

            if (step.LastLines is { Count: > 0 } lines)
            {
                body.Add(new Text(string.Create(CultureInfo.InvariantCulture, $"last {lines.Count} {(lines.Count == 1 ? "line" : "lines")} of output:"), new Style(decoration: Decoration.Dim)));
                body.Add(new Text(string.Join("\n", lines.Select(TextCleaning.Line))));
            }
            else
            {
                body.Add(new Text("no output was captured", new Style(decoration: Decoration.Dim)));
            }

            var title = $"{step.InvocationId}: {RunSummary.FailureLine(step)}" + (step.InvocationId == run.FailedFirst ? " (failed first)" : string.Empty);
            _console.Write(new Panel(new Rows(body))
                .Header(Markup.Escape(TextCleaning.Line(title)))
                .Border(BoxBorder.Rounded)
                .BorderStyle(new Style(Color.Red))
                .Expand());
        }

        var skipped = RunSummary.Skipped(run);
        var outcome = new Paragraph();
        if (skipped.Count > 0)
        {
            outcome.Append($"Not run, because a step they depend on did not succeed: {string.Join(", ", skipped.Select(s => s.InvocationId))}\n", new Style(Color.Yellow));
        }

        var style = run.Status switch
        {
            RunStatus.Succeeded => new Style(Color.Green, decoration: Decoration.Bold),
            RunStatus.Cancelled => new Style(Color.Yellow, decoration: Decoration.Bold),
            _ => new Style(Color.Red, decoration: Decoration.Bold),
        };
        outcome.Append(TextCleaning.Line(RunSummary.Headline(run)) + "\n", style);
        if (run.Status != RunStatus.Succeeded && !string.IsNullOrWhiteSpace(run.Error))
        {
            outcome.Append("  " + string.Join("\n  ", TextCleaning.Lines(run.Error)) + "\n", new Style(Color.Red));
        }

        outcome.Append($"  record: {recordPath}\n");
        if (run.Report is { } report)
        {
            outcome.Append($"  report: {report}\n");
        }

        _console.Write(outcome);
    }

    /// <summary>
    /// The plain table's columns, one line per call on a terminal of <paramref name="width"/> columns: the exit code
    /// joins the reason, the attempts join the status when there is no room for their column, and the cache decision,
    /// the failure and, last, the step name are cut (with an ellipsis) rather than wrapped.
    /// </summary>
    internal static Table SummaryTable(RunRecord run, int width)
    {
        var rows = run.Steps.Zip(RunSummary.Rows(run)).Select(pair =>
        {
            var (step, row) = pair;
            return new SummaryCells(
                StateOf(step.Status, step.Failure),
                TextCleaning.Line(row.Step),
                row.Status,
                TextCleaning.Truncate(TextCleaning.Line(row.Placement), 24),
                row.Duration,
                row.Attempts,
                TextCleaning.Line(row.Cache.StartsWith("ran: ", StringComparison.Ordinal) ? row.Cache[5..] : row.Cache),
                row.Reason == "-" ? string.Empty : row.Reason + (row.ExitCode == "-" ? string.Empty : $", exit code {row.ExitCode}"));
        }).ToList();

        static int Widest(string header, IEnumerable<string> cells) => cells.Select(c => c.GetCellWidth()).Append(header.Length).Max();

        var showAttempts = true;
        var showFailure = rows.Any(r => r.Failure.Length > 0);
        int Columns() => 5 + (showAttempts ? 1 : 0) + (showFailure ? 1 : 0);

        // A rounded border: a bar before each column and after the last, one space of padding on each side.
        int Chrome() => (3 * Columns()) + 1;
        int Fixed(int stepWidth) => stepWidth + Widest("Status", rows.Select(r => StatusText(r, showAttempts))) + Widest("Placement", rows.Select(r => r.Placement))
            + Widest("Duration", rows.Select(r => r.Duration)) + (showAttempts ? Widest("Attempts", rows.Select(r => r.Attempts)) : 0);

        var stepWidth = Math.Min(40, Widest("Step", rows.Select(r => r.Step)));
        var cacheWidth = Widest("Cache", rows.Select(r => r.Cache));
        var failureWidth = showFailure ? Widest("Failure", rows.Select(r => r.Failure)) : 0;
        int Left() => width - Chrome() - Fixed(stepWidth);
        if (Left() < cacheWidth + failureWidth && showAttempts)
        {
            showAttempts = false;
        }

        // What does not fit is taken from the cache decision first (the report has it whole), then the failure
        // (its panel below has it whole), then the step name; none goes below its header.
        var over = cacheWidth + failureWidth - Left();
        if (over > 0)
        {
            var cut = Math.Min(over, cacheWidth - "Cache".Length);
            cacheWidth -= cut;
            over -= cut;
        }

        if (over > 0 && showFailure)
        {
            var cut = Math.Min(over, failureWidth - "Failure".Length);
            failureWidth -= cut;
            over -= cut;
        }

        if (over > 0)
        {
            stepWidth = Math.Max("Step".Length, stepWidth - over);
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Steps")
            .AddColumn(new TableColumn("Step").NoWrap())
            .AddColumn(new TableColumn("Status").NoWrap())
            .AddColumn(new TableColumn("Placement").NoWrap())
            .AddColumn(new TableColumn("Duration").RightAligned().NoWrap());
        if (showAttempts)
        {
            table.AddColumn(new TableColumn("Attempts").RightAligned().NoWrap());
        }

        table.AddColumn(new TableColumn("Cache").NoWrap());
        if (showFailure)
        {
            table.AddColumn(new TableColumn("Failure").NoWrap());
        }

        foreach (var row in rows)
        {
            var cells = new List<IRenderable>
            {
                new Text(FitCells(row.Step, stepWidth)),
                new Text(StatusText(row, showAttempts), StatusStyle(row.State)),
                new Text(row.Placement),
                new Text(row.Duration),
            };
            if (showAttempts)
            {
                cells.Add(new Text(row.Attempts));
            }

            cells.Add(new Text(FitCells(row.Cache, cacheWidth), Style.Plain));
            if (showFailure)
            {
                cells.Add(new Text(FitCells(row.Failure, failureWidth), new Style(Color.Red)));
            }

            table.AddRow(cells);
        }

        return table;
    }

    private static string StatusText(SummaryCells row, bool attemptsShown) =>
        attemptsShown || row.Attempts is "-" or "1" ? row.Status : $"{row.Status} ({row.Attempts} attempts)";

    private Row RowFor(string invocationId)
    {
        if (!_rowsById.TryGetValue(invocationId, out var row))
        {
            row = new Row(invocationId);
            _rowsById.Add(invocationId, row);
            _rows.Add(row);
        }

        return row;
    }

    private static double? Since(DateTimeOffset? start, DateTimeOffset now) => start is { } time ? (now - time).TotalSeconds : null;

    private static RowState StateOf(StepStatus status, FailureKind? failure) => status switch
    {
        StepStatus.Pending => RowState.Pending,
        StepStatus.Running => RowState.Running,
        StepStatus.Succeeded => RowState.Succeeded,
        StepStatus.Cached => RowState.Cached,
        StepStatus.Skipped => RowState.Skipped,
        StepStatus.TimedOut => RowState.TimedOut,
        StepStatus.Cancelled => RowState.Cancelled,
        _ when failure == FailureKind.Terminated => RowState.Cancelled,
        _ => RowState.Failed,
    };

    private static Style StatusStyle(RowState state) => state switch
    {
        RowState.Running => new Style(Color.Aqua),
        RowState.Retrying => new Style(Color.Yellow),
        RowState.Succeeded or RowState.Cached => new Style(Color.Green),
        RowState.Failed or RowState.TimedOut => new Style(Color.Red),
        RowState.Cancelled => new Style(Color.Yellow),
        _ => new Style(Color.Grey),
    };

    private static string Label(RowSnapshot row) => row.State switch
    {
        RowState.Pending => "pending",
        RowState.Queued => "queued",
        RowState.Running => row.Attempt > 1 ? string.Create(CultureInfo.InvariantCulture, $"running (attempt {row.Attempt})") : "running",
        RowState.Retrying => string.Create(CultureInfo.InvariantCulture, $"retrying (attempt {row.Attempt})"),
        RowState.Succeeded => "succeeded",
        RowState.Cached => "cached",
        RowState.Failed => row.Failure is { } kind and not FailureKind.Exception and not FailureKind.ExitCode
            ? $"failed ({RunSummary.Describe(kind)})"
            : "failed",
        RowState.TimedOut => "timed out",
        RowState.Skipped => "skipped",
        RowState.Cancelled => "cancelled",
        _ => row.State.ToString().ToLowerInvariant(),
    };

    private static IRenderable Layout(RunHeader? run, List<RowSnapshot> rows, DateTimeOffset now, int width, int height)
    {
        var done = rows.Count(r => r.State is RowState.Succeeded or RowState.Cached);
        var running = rows.Count(r => r.State is RowState.Running or RowState.Retrying);
        var failed = rows.Count(r => r.State is RowState.Failed or RowState.TimedOut);
        var header = new Paragraph();
        if (run is not null)
        {
            header.Append($"Run {run.RunId}", new Style(decoration: Decoration.Bold))
                .Append($": pipeline '{run.Pipeline}' on stack '{run.Stack}'  ")
                .Append(RunSummary.Duration((now - run.StartedAt).TotalSeconds), new Style(Color.Grey))
                .Append("  ");
        }

        header.Append(string.Create(CultureInfo.InvariantCulture, $"{done}/{rows.Count} done"));
        if (running > 0)
        {
            header.Append(string.Create(CultureInfo.InvariantCulture, $", {running} running"), new Style(Color.Aqua));
        }

        if (failed > 0)
        {
            header.Append(string.Create(CultureInfo.InvariantCulture, $", {failed} failed"), new Style(Color.Red));
        }

        // Rows beyond the terminal's height: the running, failed and waiting calls are kept, finished ones folded.
        var budget = Math.Max(3, height - 7);
        var shown = rows;
        var hidden = new List<RowSnapshot>();
        if (rows.Count > budget)
        {
            var keep = rows
                .Select((row, index) => (row, index))
                .OrderBy(x => Priority(x.row.State))
                .ThenByDescending(x => x.index)
                .Take(budget - 1)
                .Select(x => x.index)
                .ToHashSet();
            shown = rows.Where((_, index) => keep.Contains(index)).ToList();
            hidden = rows.Where((_, index) => !keep.Contains(index)).ToList();
        }

        var cells = shown.Select(row => new
        {
            Row = row,
            Step = TextCleaning.Truncate(TextCleaning.Line(row.Id), 40),
            Status = Label(row),
            Placement = TextCleaning.Truncate(TextCleaning.Line(row.Placement ?? string.Empty), 24),
            Elapsed = row.State is RowState.Running or RowState.Retrying
                ? RunSummary.Duration(Since(row.StartedAt, now))
                : row.Duration is { } seconds ? RunSummary.Duration(seconds) : string.Empty,
            Line = LineOf(row),
        }).ToList();

        string[] headers = ["Step", "Status", "Placement", "Elapsed", "Last line"];
        var widths = new[]
        {
            Math.Max(headers[0].Length, cells.Select(c => c.Step.GetCellWidth()).DefaultIfEmpty(0).Max()),
            Math.Max(headers[1].Length, cells.Select(c => c.Status.Length).DefaultIfEmpty(0).Max()),
            Math.Max(headers[2].Length, cells.Select(c => c.Placement.GetCellWidth()).DefaultIfEmpty(0).Max()),
            Math.Max(headers[3].Length, cells.Select(c => c.Elapsed.Length).DefaultIfEmpty(0).Max()),
        };

        // What is left of the line for the last log line: the other columns, their padding and the borders.
        var lineWidth = Math.Max(10, width - widths.Sum(w => w + 2) - 2 - (headers.Length + 1));
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn(headers[0]).NoWrap())
            .AddColumn(new TableColumn(headers[1]).NoWrap())
            .AddColumn(new TableColumn(headers[2]).NoWrap())
            .AddColumn(new TableColumn(headers[3]).RightAligned().NoWrap())
            .AddColumn(new TableColumn(headers[4]));
        foreach (var cell in cells)
        {
            var (text, style) = cell.Line;
            table.AddRow(
                new Text(cell.Step),
                new Text(cell.Status, StatusStyle(cell.Row.State)),
                new Text(cell.Placement, new Style(Color.Grey)),
                new Text(cell.Elapsed),
                new Text(FitCells(text, lineWidth), style).Overflow(Overflow.Ellipsis));
        }

        if (hidden.Count > 0)
        {
            var folded = hidden.GroupBy(r => Label(r)).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}"));
            table.Caption(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{hidden.Count} more not shown: {string.Join(", ", folded)}")));
        }

        return new Rows(header, table);
    }

    private static int Priority(RowState state) => state switch
    {
        RowState.Running or RowState.Retrying => 0,
        RowState.Failed or RowState.TimedOut => 1,
        RowState.Queued or RowState.Pending => 2,
        _ => 3,
    };

    // Failed, retrying, skipped and cached calls show why; the others their last log line.
    private static (string Text, Style Style) LineOf(RowSnapshot row)
    {
        if (!string.IsNullOrEmpty(row.Note))
        {
            switch (row.State)
            {
                case RowState.Retrying:
                    return (TextCleaning.Line(row.Note), new Style(Color.Yellow));
                case RowState.Failed or RowState.TimedOut or RowState.Cancelled:
                    return (TextCleaning.Line(row.Note), new Style(Color.Red));
                case RowState.Skipped or RowState.Cached:
                    return (TextCleaning.Line(row.Note), new Style(Color.Grey));
            }
        }

        return (row.LastLine ?? string.Empty, row.LastLineIsError ? new Style(Color.Red) : Style.Plain);
    }

    /// <summary>At most <paramref name="width"/> terminal cells (wide characters count twice), an ellipsis when cut.</summary>
    private static string FitCells(string text, int width)
    {
        if (text.GetCellWidth() <= width)
        {
            return text;
        }

        var used = 0;
        var end = 0;
        while (end < text.Length)
        {
            var cell = text[end].GetCellWidth();
            if (used + cell > width - 1)
            {
                break;
            }

            used += cell;
            end++;
        }

        if (end > 0 && char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return text[..end] + "…";
    }

    private sealed record SummaryCells(RowState State, string Step, string Status, string Placement, string Duration, string Attempts, string Cache, string Failure);

    private sealed record RunHeader(string RunId, string Pipeline, string Stack, DateTimeOffset StartedAt, string Directory);

    private sealed record QueuedMessage(string Text, bool IsProblem);

    private enum RowState
    {
        Pending,
        Queued,
        Running,
        Retrying,
        Succeeded,
        Cached,
        Failed,
        TimedOut,
        Skipped,
        Cancelled,
    }

    private sealed record RowSnapshot(string Id, RowState State, string? Placement, int Attempt, DateTimeOffset? StartedAt, double? Duration,
        string? LastLine, bool LastLineIsError, string? Note, FailureKind? Failure);

    private sealed class Row(string id)
    {
        public string Id { get; } = id;

        public RowState State { get; set; } = RowState.Pending;

        public string? Placement { get; set; }

        public int Attempt { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public double? Duration { get; set; }

        public string? LastLine { get; set; }

        public bool LastLineIsError { get; set; }

        public string? Note { get; set; }

        public FailureKind? Failure { get; set; }

        public RowSnapshot Snapshot() => new(Id, State, Placement, Attempt, StartedAt, Duration, LastLine, LastLineIsError, Note, Failure);
    }
}
