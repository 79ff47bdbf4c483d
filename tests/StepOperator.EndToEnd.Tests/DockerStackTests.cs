using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using StepOperator.Docker;
using StepOperator.Runs;

namespace StepOperator.EndToEnd.Tests;

/// <summary>The docker stack against a real engine and an authenticated registry.</summary>
[Collection(DockerCollection.Name)]
public class DockerStackTests(DockerEnvironment docker)
{
    private static IEnumerable<string> MetricLines(string output) =>
        Regex.Matches(output, @"^(train|test) +accuracy .*$", RegexOptions.Multiline).Select(m => m.Value);

    [RegistryFact]
    public async Task The_sample_runs_from_a_pulled_image_with_the_same_metrics_as_the_local_stack()
    {
        using var local = new TestProgram("TrainingPipeline", "samples");
        var localRun = await local.RunAsync();
        Assert.True(localRun.ExitCode == 0, localRun.ToString());

        // Build and push with auth.
        using var first = new TestProgram("TrainingPipeline", "samples");
        docker.Configure(first);
        var built = await first.RunAsync("--stack", "docker", "--prevent-build-reuse");
        Assert.True(built.ExitCode == 0, built.ToString());
        // The stack's orchestrator and step operator run in the same image, prepared once for both.
        Assert.Single(Regex.Matches(built.Output, @"\[image\] building image"));
        Assert.Single(Regex.Matches(built.Output, @"\[image\] pushing image"));
        var reference = Regex.Match(built.Output, @"building image (\S+)").Groups[1].Value;

        // Remove the local image: the next run pulls it from the registry.
        await docker.Engine.Client.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = true });
        using var second = new TestProgram("TrainingPipeline", "samples");
        docker.Configure(second);
        var pulled = await second.RunAsync("--stack", "docker");

        Assert.True(pulled.ExitCode == 0, pulled.ToString());
        Assert.Single(Regex.Matches(pulled.Output, Regex.Escape($"[image] pulling image {reference}")));
        Assert.DoesNotContain("[image] building image", pulled.Output);
        Assert.DoesNotContain("[image] pushing image", pulled.Output);
        Assert.Equal(MetricLines(localRun.Output), MetricLines(pulled.Output));
        Assert.Equal(2, MetricLines(pulled.Output).Count());
        var run = second.OnlyRun();
        Assert.All(run.Steps, s => Assert.Equal("docker", s.StepOperator));
        Assert.Contains("Train: Gpu = \"A100\" not enforced by step operator 'docker'", pulled.Output);
    }

    [RegistryFact]
    public async Task Unchanged_code_builds_and_pushes_nothing_and_a_code_change_rebuilds_only_the_application_layer()
    {
        using var program = new TestProgram();
        var output = Directory.CreateTempSubdirectory("stepoperator-context-");
        try
        {
            // A copy of the program's build output, so the test can change one of its files.
            var source = Path.GetDirectoryName(program.AssemblyPath)!;
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(output.FullName, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var log = new List<string>();
            var builder = new ImageBuilder(docker.Engine, log.Add);
            var registry = new ContainerRegistry(docker.Registry, docker.RegistryUser, docker.RegistryPassword, "layers");
            var request = new ImageBuildRequest(output.FullName, "StepOperator.TestPipelines.dll", DockerEnvironment.BaseImage, registry);

            var first = await builder.EnsureImageAsync(request, CancellationToken.None);
            Assert.True(first.Built && first.Pushed, string.Join("\n", log));
            var firstImage = await docker.Engine.Client.Images.InspectImageAsync(first.Reference);
            Assert.Equal(("linux", "amd64"), (firstImage.Os, firstImage.Architecture));

            log.Clear();
            var again = await builder.EnsureImageAsync(request, CancellationToken.None);
            Assert.Equal(first.Reference, again.Reference);
            Assert.False(again.Built || again.Pushed || again.Pulled, string.Join("\n", log));

            // A code change touches only the program's own files.
            var runtimeConfig = Path.Combine(output.FullName, "StepOperator.TestPipelines.runtimeconfig.json");
            await File.AppendAllTextAsync(runtimeConfig, "\n");
            log.Clear();
            var changed = await builder.EnsureImageAsync(request, CancellationToken.None);

            Assert.NotEqual(first.Tag, changed.Tag);
            Assert.True(changed.Built && changed.Pushed);
            var changedImage = await docker.Engine.Client.Images.InspectImageAsync(changed.Reference);
            var before = firstImage.RootFS!.Layers!;
            var after = changedImage.RootFS!.Layers!;
            Assert.Equal(before.Count, after.Count);
            Assert.Equal(before.Take(before.Count - 1), after.Take(after.Count - 1));
            Assert.NotEqual(before[^1], after[^1]);

            // The push sent one layer; the registry had the others.
            Assert.Single(log, line => line.EndsWith(": Pushed", StringComparison.Ordinal));
            Assert.Contains(log, line => line.EndsWith(": Layer already exists", StringComparison.Ordinal));

            // Another chain of the same files in the engine's cache, never pushed to this registry (as another
            // checkout or a build for another registry leaves one): the next change still builds on this
            // program's own newest image, so the registry gets one layer again.
            var elsewhere = await builder.EnsureImageAsync(new ImageBuildRequest(output.FullName, "StepOperator.TestPipelines.dll", DockerEnvironment.BaseImage, Registry: null, PreventBuildReuse: true), CancellationToken.None);
            var elsewhereLayers = (await docker.Engine.Client.Images.InspectImageAsync(elsewhere.Reference)).RootFS!.Layers!;
            Assert.NotEqual(after.Take(after.Count - 1), elsewhereLayers.Take(elsewhereLayers.Count - 1)); // the classic builder's layers are not reproducible
            await File.AppendAllTextAsync(runtimeConfig, "\n");
            log.Clear();
            var third = await builder.EnsureImageAsync(request, CancellationToken.None);

            Assert.True(third.Built && third.Pushed);
            Assert.Contains(log, line => line.Contains($"layers cached from {changed.Reference}", StringComparison.Ordinal));
            var thirdLayers = (await docker.Engine.Client.Images.InspectImageAsync(third.Reference)).RootFS!.Layers!;
            Assert.Equal(after.Take(after.Count - 1), thirdLayers.Take(thirdLayers.Count - 1));
            Assert.Single(log, line => line.EndsWith(": Pushed", StringComparison.Ordinal));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [RegistryFact]
    public async Task Containers_run_with_the_requested_cpu_and_memory_limits()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        var result = await program.RunAsync("Flow", "--stack", "docker");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("result 63", result.Output);
        var run = program.OnlyRun();
        var square = run.Steps.Single(s => s.Step == "Square");
        Assert.Equal(512, square.AppliedLimits!["CpuShares"]);                       // CpuCount = 0.5, a reservation: 1024 shares per core
        Assert.Equal(1_000_000_000, square.AppliedLimits["NanoCpus"]);              // CpuLimit = 1
        Assert.Equal(1_000_000_000, square.AppliedLimits["MemoryReservationBytes"]); // Memory = "1GB" → 1000 MB, a reservation
        Assert.Equal(2_000_000_000, square.AppliedLimits["MemoryBytes"]);           // MemoryLimit = "2GB", the hard limit
        var produce = run.Steps.Single(s => s.Step == "Produce");
        Assert.Equal(0, produce.AppliedLimits!["MemoryBytes"]);
        Assert.Equal(0, produce.AppliedLimits["MemoryReservationBytes"]);
        Assert.Empty(await docker.ContainersOfRunAsync(run.RunId));
    }

    [RegistryFact]
    public async Task On_docker_the_first_failure_stops_the_other_containers_and_leaves_none()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        var result = await program.RunAsync("FailFast", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        var run = program.OnlyRun();
        Assert.Equal("Boom", run.FailedFirst);
        var nap = run.Steps.Single(s => s.Step == "Nap");
        Assert.Equal(StepStatus.Cancelled, nap.Status);
        Assert.Equal("stopped because step 'Boom' failed first", nap.Error);
        Assert.Empty(await docker.ContainersOfRunAsync(run.RunId));
    }

    [RegistryFact]
    public async Task A_step_past_its_memory_limit_is_reported_as_out_of_memory()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        var result = await program.RunAsync("Oom", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("still alive", result.Output);
        var step = program.OnlyRun().Steps.Single();
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal(FailureKind.OutOfMemory, step.Failure);
        Assert.Equal("killed for using more memory than its limit (MemoryLimit = \"64MB\"; exit code 137)", step.Error);
        Assert.Single(step.Attempts); // an OOM kill is not retried
        Assert.Empty(await docker.ContainersOfRunAsync(program.OnlyRun().RunId));
    }

    [RegistryFact]
    public async Task A_step_filling_managed_memory_under_its_limit_is_reported_as_out_of_memory()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        var result = await program.RunAsync("ManagedOom", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("still alive", result.Output);
        var step = program.OnlyRun().Steps.Single();
        Assert.True(step.Failure == FailureKind.OutOfMemory, $"{step.Failure}: {step.Error}");
        Assert.Contains("out of memory", step.Error);
    }

    [RegistryFact]
    public async Task A_step_past_its_timeout_is_reported_as_timed_out()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        var result = await program.RunAsync("TimesOut", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(StepStatus.TimedOut, program.OnlyRun().Steps.Single().Status);
        Assert.Empty(await docker.ContainersOfRunAsync(program.OnlyRun().RunId));
    }

    [RegistryFact]
    public async Task Failures_remove_the_container_too()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        var result = await program.RunAsync("Failing", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Step 'Explode' failed: System.InvalidOperationException: boom at 3", result.Error);
        Assert.Empty(await docker.ContainersOfRunAsync(program.OnlyRun().RunId));
    }

    [RegistryFact]
    public async Task Ctrl_c_during_a_step_leaves_no_container_behind()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        using var process = program.Start("Slow", "--stack", "docker");
        var sawStep = false;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Contains("sleeping in process", StringComparison.Ordinal))
            {
                sawStep = true;
                break;
            }
        }

        Assert.True(sawStep, "the step never started");
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString()]))
        {
            await interrupt.WaitForExitAsync();
        }

        var drain = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await drain;

        Assert.Equal(130, process.ExitCode);
        var run = program.OnlyRun();
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Empty(await docker.ContainersOfRunAsync(run.RunId));
    }

    [RegistryFact]
    public async Task The_image_and_the_containers_hold_no_secret()
    {
        const string modalSecret = "as-secret-modal-token-0b5e";
        using var program = new TestProgram();
        docker.Configure(program);
        program.Environment["MODAL_TOKEN_ID"] = "ak-secret-modal-id-77f1";
        program.Environment["MODAL_TOKEN_SECRET"] = modalSecret;
        var result = await program.RunAsync("EnvironmentCheck", "--stack", "docker", "--prevent-build-reuse");
        Assert.True(result.ExitCode == 0, result.ToString());

        var secrets = new[] { docker.RegistryPassword, modalSecret, "ak-secret-modal-id-77f1" };
        var run = program.OnlyRun();
        var environmentSeen = File.ReadAllText(program.ArtifactPath(run.Steps.Single().Output!.Key));
        var reference = Regex.Match(result.Output, @"building image (\S+)").Groups[1].Value;

        // Layers, history and config, as `docker save` exports them.
        var everything = new StringBuilder(environmentSeen).Append(result.Output).Append(result.Error);
        await using (var saved = await docker.Engine.Client.Images.SaveImageAsync(reference, CancellationToken.None))
        {
            await AppendTarContentAsync(saved, everything);
        }

        foreach (var entry in await docker.Engine.Client.Images.GetImageHistoryAsync(reference))
        {
            everything.Append(entry.CreatedBy).Append('\n');
        }

        var config = (await docker.Engine.Client.Images.InspectImageAsync(reference)).Config!;
        everything.AppendJoin('\n', config.Env ?? []).AppendJoin('\n', config.Labels?.Select(l => l.Key + "=" + l.Value) ?? []);

        Assert.Contains("STEPOPERATOR_RUN_ID", environmentSeen);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, everything.ToString());
        }
    }

    [RegistryFact]
    public async Task A_wrong_registry_password_fails_before_any_build()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        program.Environment["STEPOPERATOR_REGISTRY_PASSWORD"] = "not-the-password";
        var result = await program.RunAsync("Flow", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Container registry {docker.Registry} rejected the credentials of user '{docker.RegistryUser}' (HTTP 401)", result.Error);
        Assert.DoesNotContain("not-the-password", result.Output + result.Error);
        Assert.DoesNotContain("[image] building", result.Output);
        Assert.Empty(program.OnlyRun().Steps);
    }

    [RegistryFact]
    public async Task A_missing_base_image_says_how_to_get_one()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        program.Environment["STEPOPERATOR_BASE_IMAGE"] = "stepoperator/no-such-base:1";
        var result = await program.RunAsync("Flow", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Base image 'stepoperator/no-such-base:1' is not on this Docker engine", result.Error);
        Assert.Contains("eng/docker/build-base-image.sh", result.Error);
        Assert.Contains("set STEPOPERATOR_BASE_IMAGE=<image> (the built-in image builder 'docker' reads it)", result.Error);
    }

    [RegistryFact]
    public async Task An_unreachable_engine_says_what_to_do()
    {
        using var program = new TestProgram();
        docker.Configure(program);
        program.Environment["DOCKER_HOST"] = "unix:///tmp/stepoperator-no-engine.sock";
        var result = await program.RunAsync("Flow", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the Docker engine at unix:///tmp/stepoperator-no-engine.sock is not reachable", result.Error);
        Assert.Contains("Start it", result.Error);
    }

    [RegistryFact]
    public async Task A_gpu_request_on_an_engine_without_a_gpu_runtime_is_a_clear_error()
    {
        using var program = new TestProgram();
        docker.Configure(program, gpus: "require");
        var result = await program.RunAsync("Flow", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Step 'Square' asks for 1 GPU(s) (T4), but the Docker engine", result.Error);
        Assert.Contains("has no GPU runtime", result.Error);

        // The fix names the setting: the variable the built-in docker stack reads.
        Assert.Contains("set STEPOPERATOR_DOCKER_GPUS=ignore (the built-in step-operator 'docker' reads it)", result.Error);
    }

    internal static async Task AppendTarContentAsync(Stream tar, StringBuilder into)
    {
        using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
        {
            if (entry.DataStream is null)
            {
                continue;
            }

            using var content = new MemoryStream();
            await entry.DataStream.CopyToAsync(content);
            if (entry.Name.EndsWith(".tar", StringComparison.Ordinal))
            {
                content.Position = 0;
                await AppendTarContentAsync(content, into);
            }
            else
            {
                into.Append(Encoding.Latin1.GetString(content.ToArray())).Append('\n');
            }
        }
    }
}
