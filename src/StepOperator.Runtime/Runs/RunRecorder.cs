using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Runs;

/// <summary>Keeps run.json in the run directory up to date (written whole, then moved into place); a null directory keeps the record in memory only (plans).</summary>
internal sealed class RunRecorder(string? runDirectory, RunRecord record)
{
    internal static readonly JsonSerializerOptions Options = new() { WriteIndented = true };
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
                json = JsonSerializer.Serialize(Record, Options);
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
