using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;

namespace StepOperator.Execution;

/// <summary>
/// The standby mode of the step entrypoint (<c>step --standby</c>). The local stack starts the next step process
/// before a step call needs it: the process starts the runtime, loads the program's steps and warms up what every
/// call uses (JSON, the invocation record reader), then waits for one <see cref="StandbyDispatch"/> line on its
/// standard input: the entrypoint arguments and variables a process started for the call would have had. It sets the
/// variables and runs the call exactly as such a process would (<see cref="StepProcess"/>). End of input before a dispatch means no call came (the run ended,
/// or its orchestrator did): the process exits with 0 and has run nothing.
/// </summary>
internal static class StepStandby
{
    public static async Task<int> RunAsync(Stream input, TextWriter error)
    {
        WarmUp();

        // Blocking on purpose: there is nothing else for this process to do until the call comes.
        string? line;
        using (var reader = new StreamReader(input, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true))
        {
            line = reader.ReadLine();
        }

        if (line is null)
        {
            return 0;
        }

        StandbyDispatch dispatch;
        StepEntrypointCall call;
        try
        {
            dispatch = StandbyDispatch.Parse(line);
            call = dispatch.Call;
        }
        catch (JsonException e)
        {
            await error.WriteLineAsync(
                $"A standby step process received a call it cannot read: {e.Message} " +
                "Standby step processes are started and fed by the local stack; to run one step call by hand, use: step <name> --run-id <id> --invocation <id> --store <location>.").ConfigureAwait(false);
            return 2;
        }

        // Managed code (the step, the stores, processes the step starts) sees these as if the process had started with them.
        foreach (var (name, value) in dispatch.Environment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        return await StepProcess.RunAsync(call, error).ConfigureAwait(false);
    }

    // What every step call does first, done while nobody waits: the step catalog, the invocation record reader and
    // the artifact serializer's first use (with a string: the code every reference-typed value shares). Failures here
    // are left for the real call to meet and report.
    private static void WarmUp()
    {
        try
        {
            _ = StepCatalog.FindStep(string.Empty);
            _ = InvocationRecordReader.Read(
                """{"RunId":"standby","Step":"standby","InvocationId":"standby","Inputs":{"value":{"Key":"standby/value.json","Type":"System.String","Format":"json"}},"Output":null}"""u8.ToArray());
            using var buffer = new MemoryStream();
            ArtifactSerializer.SerializeAsync(buffer, "standby", "standby", CancellationToken.None).GetAwaiter().GetResult();
            _ = JsonSerializer.Deserialize<string>(buffer.ToArray(), ArtifactSerializer.Options);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArtifactSerializationException)
        {
            // Nothing (more) warmed; the call will pay for it, and says what is wrong if anything is.
        }
    }
}
