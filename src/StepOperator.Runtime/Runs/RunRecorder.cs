using System;
using System.IO;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Runs;

/// <summary>
/// Writes run.json in the run directory (whole, then moved into place) for the run's <see cref="RunJournal"/>, which
/// supplies the record's JSON (<paramref name="serialize"/>, taken under its lock); a null directory writes nothing (plans).
/// <paramref name="time"/> times <see cref="SaveSoon"/>'s gathering.
/// </summary>
internal sealed class RunRecorder(string? runDirectory, Func<string> serialize, TimeProvider time)
{
    /// <summary>How long <see cref="SaveSoon"/> gathers changes before it writes them.</summary>
    private static readonly TimeSpan SaveSoonDelay = TimeSpan.FromMilliseconds(200);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _saveScheduled;

    public string Path { get; } = runDirectory is null ? string.Empty : System.IO.Path.Combine(runDirectory, "run.json");

    /// <summary>
    /// Writes run.json shortly, gathering the changes made meanwhile into one write (for frequent, small changes such
    /// as how far a step's logs were read). A failed write is left to the next <see cref="SaveAsync"/> to report.
    /// </summary>
    public void SaveSoon()
    {
        if (runDirectory is null || Interlocked.Exchange(ref _saveScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(SaveSoonDelay, time).ConfigureAwait(false);
            Interlocked.Exchange(ref _saveScheduled, 0);
            try
            {
                await SaveAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The next SaveAsync of a step event writes the same record and reports the failure.
            }
        });
    }

    public async Task SaveAsync()
    {
        if (runDirectory is null)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(runDirectory);
            var temporary = Path + ".partial";
            // Taken after the previous write ended, so the file never goes back to an older record.
            var json = serialize();
            await File.WriteAllTextAsync(temporary, json).ConfigureAwait(false);
            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>run.json's shape, source-generated, for reading it (resume, reports): no reflection metadata is built for it.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunRecordJson : JsonSerializerContext;

/// <summary>
/// run.json written through the serializer's generated fast path (the same JSON as <see cref="RunRecordJson"/>): a run
/// writes it after every step event, and building the record's property metadata first took ~100 ms of every run's start.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunRecordWriterJson : JsonSerializerContext;
