using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Runs;

/// <summary>Keeps run.json in the run directory up to date (written whole, then moved into place); a null directory keeps the record in memory only (plans).</summary>
internal sealed class RunRecorder(string? runDirectory, RunRecord record)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = runDirectory is null ? string.Empty : System.IO.Path.Combine(runDirectory, "run.json");

    public RunRecord Record { get; } = record;

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
