using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StepOperator.Artifacts;
using StepOperator.Execution;
using StepOperator.Runs;
using StepOperator.Testing;

namespace StepOperator.Runtime.Tests;

/// <summary>The step entrypoint's own start-up path: its arguments, its records' JSON and its errors.</summary>
public sealed class StepEntrypointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stepoperator-entrypoint-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_arguments_a_run_writes_are_recognised_without_the_command_line()
    {
        var args = StepEntrypointArguments.For("Train", "20261127-010000-abcdef", "Train.2", "/tmp/store dir");
        Assert.Equal(new StepEntrypointCall("Train", "20261127-010000-abcdef", "Train.2", "/tmp/store dir"), StepEntrypointArguments.TryParse(args));
    }

    [Fact]
    public void Options_in_another_order_are_recognised_too()
    {
        string[] args = ["step", "Train", "--store", "s3://bucket", "--invocation", "Train", "--run-id", "r1"];
        Assert.Equal(new StepEntrypointCall("Train", "r1", "Train", "s3://bucket"), StepEntrypointArguments.TryParse(args));
    }

    [Theory]
    [InlineData("step", "Train", "--run-id", "r1", "--invocation", "Train")] // missing --store
    [InlineData("step", "Train", "--run-id", "r1", "--run-id", "r2", "--store", "/s")] // repeated option
    [InlineData("step", "Train", "--run-id", "r1", "--invocation", "Train", "--stack", "/s")] // unknown option
    [InlineData("step", "--help", "--run-id", "r1", "--invocation", "Train", "--store", "/s")]
    [InlineData("step", "Train", "--run-id", "", "--invocation", "Train", "--store", "/s")]
    [InlineData("run", "Train", "--run-id", "r1", "--invocation", "Train", "--store", "/s")]
    public void Anything_else_is_left_to_the_full_command_line(params string[] args) =>
        Assert.Null(StepEntrypointArguments.TryParse(args));

    [Fact]
    public void The_invocation_record_json_is_the_same_as_the_reflection_serializer_writes()
    {
        var record = new InvocationRecord("r1", "Train", "Train.2",
            new Dictionary<string, ArtifactRef> { ["data"] = new("r1/steps/Load/output.bin", "System.Byte[]", ArtifactFormat.Binary) },
            new ArtifactRef("r1/steps/Train.2/output.json", "Model", ArtifactFormat.Json));

        var generated = JsonSerializer.Serialize(record, RuntimeJson.Default.InvocationRecord);
        var reflected = JsonSerializer.Serialize(record, new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            IncludeFields = true,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        });

        Assert.Equal(reflected, generated);
        Assert.Contains("\"Format\":\"Binary\"", generated);
        var back = JsonSerializer.Deserialize(generated, RuntimeJson.Default.InvocationRecord)!;
        Assert.Equal(record.Output, back.Output);
        Assert.Equal(record.Inputs["data"], back.Inputs["data"]);
    }

    [Fact]
    public async Task The_entrypoint_helpers_are_what_their_generator_program_writes()
    {
        // eng/StepEntrypointShapes.cs writes StepEntrypoints.Shapes.cs; an edit of one without the other fails here.
        var start = new ProcessStartInfo("dotnet", ["run", Path.Combine("eng", "StepEntrypointShapes.cs"), "--", "--check"])
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{await output}\n{await error}");
        Assert.Contains("is up to date", await output);
    }

    private static readonly InvocationRecord[] Records =
    [
        new InvocationRecord("r1", "Train", "Train.2",
            new Dictionary<string, ArtifactRef>
            {
                ["data"] = new("r1/steps/Load/output.bin", "System.Byte[]", ArtifactFormat.Binary),
                ["über \"quoted\" name"] = new("r1/steps/Mix/output.json", "Dictionary<string, List<int>>", ArtifactFormat.Json),
            },
            new ArtifactRef("r1/steps/Train.2/output.json", "Model", ArtifactFormat.Json)),
        new InvocationRecord("r2", "Report", "Report", new Dictionary<string, ArtifactRef>(), Output: null),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_step_process_reads_the_invocation_record_the_run_writes(int index)
    {
        var record = Records[index];
        var written = JsonSerializer.SerializeToUtf8Bytes(record, RuntimeJson.Default.InvocationRecord);

        var read = InvocationRecordReader.Read(written);

        Assert.Equal((record.RunId, record.Step, record.InvocationId, record.Output), (read.RunId, read.Step, read.InvocationId, read.Output));
        Assert.Equal(record.Inputs.OrderBy(i => i.Key), read.Inputs.OrderBy(i => i.Key));
    }

    [Theory]
    [InlineData("{\"Key\":\"k\",\"Type\":\"T\",\"Format\":\"binary\"}", nameof(ArtifactFormat.Binary))]
    [InlineData("{\"Key\":\"k\",\"Type\":\"T\",\"Format\":1}", nameof(ArtifactFormat.Binary))]
    [InlineData("{\"Key\":\"k\",\"Type\":\"T\",\"Format\":\"JSON\"}", nameof(ArtifactFormat.Json))]
    public void The_invocation_record_reader_reads_formats_as_the_serializer_does(string reference, string format)
    {
        var expected = Enum.Parse<ArtifactFormat>(format);
        var json = $"{{\"RunId\":\"r\",\"Step\":\"S\",\"InvocationId\":\"S\",\"Inputs\":{{}},\"Output\":{reference}}}";
        Assert.Equal(expected, InvocationRecordReader.Read(Encoding.UTF8.GetBytes(json)).Output!.Format);
        Assert.Equal(expected, JsonSerializer.Deserialize(json, RuntimeJson.Default.InvocationRecord)!.Output!.Format);
    }

    [Theory]
    [InlineData("{\"Step\":\"S\",\"InvocationId\":\"S\",\"Inputs\":{},\"Output\":null}", "'RunId'")]
    [InlineData("{\"RunId\":\"r\",\"Step\":\"S\",\"InvocationId\":\"S\",\"Inputs\":{\"x\":{\"Key\":\"k\",\"Type\":\"T\",\"Format\":\"Parquet\"}},\"Output\":null}", "\"Parquet\"")]
    [InlineData("{\"RunId\":\"r\",\"Step\":\"S\",\"InvocationId\":\"S\",\"Inputs\":[],\"Output\":null}", "Inputs")]
    [InlineData("[1]", "the record")]
    [InlineData("{\"RunId\":", "")]
    public void A_damaged_invocation_record_is_a_json_error_naming_what_is_wrong(string json, string named)
    {
        var error = Assert.ThrowsAny<JsonException>(() => InvocationRecordReader.Read(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("\"json\"", nameof(ArtifactFormat.Json))]
    [InlineData("\"BINARY\"", nameof(ArtifactFormat.Binary))]
    [InlineData("1", nameof(ArtifactFormat.Binary))]
    public void Artifact_formats_are_read_by_name_in_any_case_or_by_number(string json, string format) =>
        Assert.Equal(Enum.Parse<ArtifactFormat>(format), JsonSerializer.Deserialize<ArtifactFormat>(json, ArtifactSerializer.Options));

    [Theory]
    [InlineData("\"Parquet\"")]
    [InlineData("7")]
    public void Unknown_artifact_formats_are_refused(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ArtifactFormat>(json, ArtifactSerializer.Options));

    [Fact]
    public async Task An_unknown_step_ends_with_a_message_naming_it()
    {
        var error = new StringWriter();
        var exitCode = await StepProcess.RunAsync(new StepEntrypointCall("NoSuchStep", "r1", "Train", _root), error);

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown step 'NoSuchStep'", error.ToString());
    }

    [Fact]
    public async Task A_call_without_an_invocation_record_ends_with_a_message_instead_of_a_crash()
    {
        var ran = false;
        StepCatalog.Register(new StepDefinition("EntrypointTestStep", StepPlacement.Orchestrator, "EntrypointTests.Step", new StepSettings())
        {
            Entrypoint = (_, _) =>
            {
                ran = true;
                return Task.CompletedTask;
            },
        });

        var error = new StringWriter();
        var exitCode = await StepProcess.RunAsync(new StepEntrypointCall("EntrypointTestStep", "r1", "EntrypointTestStep", _root), error);

        Assert.Equal(2, exitCode);
        Assert.False(ran);
        Assert.Contains("has no readable invocation record", error.ToString());
        Assert.Contains("run the pipeline instead", error.ToString());
    }

    [Fact]
    public async Task Common_values_round_trip_through_the_artifact_serializer_unchanged()
    {
        var store = new LocalArtifactStore(_root);
        var values = new List<double> { 1.5, -2, double.MaxValue };
        await ArtifactSerializer.WriteAsync(store, ArtifactKey.Parse("r/values.json"), values, "test", CancellationToken.None);
        Assert.Equal(values, await ArtifactSerializer.ReadAsync<List<double>>(store, ArtifactKey.Parse("r/values.json"), "test", CancellationToken.None));

        await using var stream = await store.OpenReadAsync(ArtifactKey.Parse("r/values.json"), CancellationToken.None);
        Assert.Equal(JsonSerializer.Serialize(values), await new StreamReader(stream, Encoding.UTF8).ReadToEndAsync());
    }
}
