using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using StepOperator.Runs;
using StepOperator.Modal;

namespace StepOperator.EndToEnd.Tests;

/// <summary>
/// The sample on a Modal stack pointed at the Modal emulator: [Step]s run locally, Train runs in an
/// emulator sandbox (a container of the pushed image), artifacts pass through S3 (s3rver).
/// </summary>
[Collection(DockerCollection.Name)]
public class ModalStackTests(DockerEnvironment docker)
{
    private static IEnumerable<string> MetricLines(string output) =>
        Regex.Matches(output, @"^(train|test) +accuracy .*$", RegexOptions.Multiline).Select(m => m.Value);

    private static JsonElement Json(StepOperator.ModalEmulator.Recording.RecordedRequest request) => JsonDocument.Parse(request.Json).RootElement;

    [RegistryFact]
    public async Task The_sample_trains_in_an_emulator_sandbox_with_the_requested_resources_and_local_metrics()
    {
        using var local = new TestProgram("TrainingPipeline", "samples");
        var localRun = await local.RunAsync();
        Assert.True(localRun.ExitCode == 0, localRun.ToString());

        await using var modal = await ModalTestStack.StartAsync(docker, "TrainingPipeline", "samples");
        var emulator = modal.Emulator;
        var program = modal.Program;

        // The plan, made before the run, shows the resources exactly as the sandbox is then created with.
        var plan = await program.RunAsync("plan", "--stack", ModalTestStack.StackName);
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Empty(emulator.RequestsFor("SandboxCreate"));
        var planned = Regex.Match(plan.Output, @"^  Train\n    placement: (?<placement>.*)\n    resources: (?<resources>.*)\n    gpu: (?<gpu>.*)\n(?:.*\n){1}    cost: \$(?<cost>[0-9.]+)/hour", RegexOptions.Multiline);
        Assert.True(planned.Success, plan.Output);
        Assert.Equal("modal", planned.Groups["placement"].Value);
        Assert.Equal("A100", planned.Groups["gpu"].Value);
        Assert.Matches(@"image for 'modal': \S+:[0-9a-f]{32}: (build|reuse|pull)", plan.Output);

        var run = await program.RunAsync("--stack", ModalTestStack.StackName);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(MetricLines(localRun.Output), MetricLines(run.Output));
        Assert.Equal(2, MetricLines(run.Output).Count());
        Assert.Contains("[Train] epoch 300/300", run.Output);
        Assert.Contains("[Train] sandbox sb-", run.Output);

        // Train ran in a sandbox with exactly the attribute's resources.
        var create = Json(Assert.Single(emulator.RequestsFor("SandboxCreate")));
        var resources = create.GetProperty("definition").GetProperty("resources");
        Assert.Equal(2000, resources.GetProperty("milliCpu").GetInt32());
        Assert.Equal(32000, resources.GetProperty("memoryMb").GetInt32());
        Assert.Equal("A100", resources.GetProperty("gpuConfig").GetProperty("gpuType").GetString());
        Assert.Equal(1, resources.GetProperty("gpuConfig").GetProperty("count").GetInt32());
        Assert.Equal(86400, create.GetProperty("definition").GetProperty("timeoutSecs").GetInt32());
        Assert.Contains(create.GetProperty("tags").EnumerateArray(), t => t.GetProperty("tagValue").GetString() == "Train");

        // The client waited for the sandbox's task server-side: one held call, not a poll every 500 ms.
        var taskWait = Json(Assert.Single(emulator.RequestsFor("SandboxGetTaskId")));
        Assert.Equal(ModalStepOperator.TaskWaitSeconds, taskWait.GetProperty("timeout").GetSingle());
        Assert.True(taskWait.GetProperty("waitUntilReady").GetBoolean());
        var sent = $"milli_cpu {resources.GetProperty("milliCpu").GetInt32()}, memory_mb {resources.GetProperty("memoryMb").GetInt32()}, " +
            $"gpu {resources.GetProperty("gpuConfig").GetProperty("gpuType").GetString()}:{resources.GetProperty("gpuConfig").GetProperty("count").GetInt32()}";
        Assert.Equal(sent, planned.Groups["resources"].Value);

        // The step's environment went to the sandbox as an ephemeral secret; no Modal token anywhere in it.
        var secrets = emulator.RequestsFor("SecretGetOrCreate").Select(r => r.Json).ToList();
        Assert.Contains(secrets, s => s.Contains("STEPOPERATOR_RUN_ID", StringComparison.Ordinal));
        Assert.Contains(secrets, s => s.Contains("REGISTRY_USERNAME", StringComparison.Ordinal));
        Assert.DoesNotContain(secrets, s => s.Contains(emulator.TokenSecret, StringComparison.Ordinal));
        var image = Json(Assert.Single(emulator.RequestsFor("ImageGetOrCreate")));
        Assert.StartsWith($"FROM {docker.Registry}/", image.GetProperty("image").GetProperty("dockerfileCommands")[0].GetString());
        Assert.DoesNotContain(emulator.TokenSecret, run.Output + run.Error);
        Assert.DoesNotContain(emulator.TokenId, run.Output + run.Error);

        // The image holds neither the step's environment nor any token: they travel only in secrets.
        var reference = image.GetProperty("image").GetProperty("dockerfileCommands")[0].GetString()!["FROM ".Length..];
        var content = new StringBuilder();
        await using (var saved = await docker.Engine.Client.Images.SaveImageAsync(reference, CancellationToken.None))
        {
            await DockerStackTests.AppendTarContentAsync(saved, content);
        }

        var inspected = await docker.Engine.Client.Images.InspectImageAsync(reference);
        content.AppendJoin('\n', inspected.Config?.Env ?? []);
        var imageText = content.ToString();
        var record = program.OnlyRun();
        Assert.DoesNotContain(emulator.TokenSecret, imageText);
        Assert.DoesNotContain(emulator.TokenId, imageText);
        Assert.DoesNotContain(record.RunId, imageText);
        Assert.Contains(secrets, s => s.Contains(record.RunId, StringComparison.Ordinal)); // the step env, in the sandbox's secret

        Assert.Equal("modal", record.Steps.Single(s => s.Step == "Train").StepOperator);
        Assert.All(record.Steps.Where(s => s.Step != "Train"), s => Assert.Equal("local", s.StepOperator));
        Assert.Equal(0, emulator.RunningSandboxCount);
    }
}
