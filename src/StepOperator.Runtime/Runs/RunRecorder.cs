using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Runs;

/// <summary>Keeps run.json in the run directory up to date (written whole, then moved into place); a null directory keeps the record in memory only (plans).</summary>
internal sealed class RunRecorder(string? runDirectory, RunRecord record)
{
    /// <summary>How long <see cref="SaveSoon"/> gathers changes before it writes them.</summary>
    private static readonly System.TimeSpan SaveSoonDelay = System.TimeSpan.FromMilliseconds(200);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _saveScheduled;

    public string Path { get; } = runDirectory is null ? string.Empty : System.IO.Path.Combine(runDirectory, "run.json");

    public RunRecord Record { get; } = record;

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
            await Task.Delay(SaveSoonDelay).ConfigureAwait(false);
            Interlocked.Exchange(ref _saveScheduled, 0);
            try
            {
                await SaveAsync().ConfigureAwait(false);
            }
            catch (System.Exception e) when (e is IOException or System.UnauthorizedAccessException)
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
            string json;
            lock (Record)
            {
                json = JsonSerializer.Serialize(Record, RunRecordWriterJson.Default.RunRecord);
            }

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
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunRecordJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>
/// run.json written through the serializer's generated fast path (the same JSON as <see cref="RunRecordJson"/>): a run
/// writes it after every step event, and building the record's property metadata first took ~100 ms of every run's start.
/// </summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true, GenerationMode = System.Text.Json.Serialization.JsonSourceGenerationMode.Serialization)]
[System.Text.Json.Serialization.JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunRecordWriterJson : System.Text.Json.Serialization.JsonSerializerContext;
