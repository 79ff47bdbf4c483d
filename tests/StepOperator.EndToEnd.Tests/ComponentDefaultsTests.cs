using System.Text.Json;
using System.Text.RegularExpressions;
using StepOperator.Runs;

namespace StepOperator.EndToEnd.Tests;

/// <summary>
/// Step operator and orchestrator settings as defaults for their steps (as ZenML's component config), checked at
/// registration by the analyzer's rules; and a Modal stack's registry, which Modal must be able to pull from.
/// </summary>
public class ComponentDefaultsTests
{
    private static async Task<TestProgram.Result> Ok(TestProgram program, params string[] arguments)
    {
        var result = await program.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>A step's block of a plan, from its name to the next step's.</summary>
    private static string PlannedStep(string plan, string step) =>
        Regex.Match(plan.ReplaceLineEndings("\n"), $@"^  {step}\n(?:    .*\n)+", RegexOptions.Multiline) is { Success: true } match
            ? match.Value
            : throw new Xunit.Sdk.XunitException($"No step '{step}' in the plan:\n{plan}");

    [Fact]
    public async Task Registration_refuses_invalid_defaults_with_the_analyzers_messages_and_stores_nothing()
    {
        using var program = new TestProgram();
        var refused = await program.RunAsync("step-operator", "register", "gpu", "--flavor=modal", "--gpu=A10", "--gpu_count=5", "--memory=32 gb", "--timeout=1h");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("step-operator 'gpu' (flavor modal) was not saved:", refused.Error);
        Assert.Contains("  - --gpu_count=5: GpuCount = 5 is more than Modal attaches of A10 (at most 4 per container). Use 4 or fewer, or split the work across steps. (SOP005)", refused.Error);
        Assert.Contains("  - --memory=32 gb: Memory \"32 gb\" is not a size Modal understands: it must be an integer and a unit (case-sensitive). Did you mean \"32GB\" or \"32GiB\"? (SOP003)", refused.Error);
        Assert.Contains("  - --timeout=1h: Timeout must be a whole number.", refused.Error);
        Assert.False(File.Exists(program.ConfigFile));

        await Ok(program, "step-operator", "register", "gpu", "--flavor=modal", "--gpu=A100", "--timeout=3600");
        var stored = File.ReadAllText(program.ConfigFile);

        var update = await program.RunAsync("step-operator", "update", "gpu", "--timeout=0", "--gpu_count=9");
        Assert.Equal(2, update.ExitCode);
        Assert.Contains("  - --gpu_count=9: GpuCount = 9 is more than Modal attaches of A100 (at most 8 per container). Use 8 or fewer, or split the work across steps. (SOP005)", update.Error);
        Assert.Contains("  - --timeout=0: Timeout = 0 seconds is outside Modal's range 1..86400 (24 hours).", update.Error);

        // A setting the flavor cannot use is refused with what it takes.
        var local = await program.RunAsync("step-operator", "update", "local", "--cpu_count=2");
        Assert.Equal(2, local.ExitCode);
        Assert.Contains("--cpu_count: not a setting that step-operator flavor 'local' can use. It takes: standby; defaults for its steps: timeout.", local.Error);
        var modal = await program.RunAsync("step-operator", "update", "gpu", "--cpu=2");
        Assert.Contains(
            "--cpu: not a setting that step-operator flavor 'modal' can use. It takes: token_id, token_secret, server_url, app_name; " +
            "defaults for its steps: gpu, gpu_count, cpu_count, memory, cpu_limit, memory_limit, timeout, region, cloud, modal_environment.", modal.Error);

        Assert.Equal(stored, File.ReadAllText(program.ConfigFile));
    }

    [Fact]
    public async Task Describe_shows_a_step_operators_defaults_apart_from_its_own_settings()
    {
        using var program = new TestProgram();
        await Ok(program, "step-operator", "register", "gpu", "--flavor=modal", "--token_id=ak-described", "--token_secret=as-described",
            "--gpu=A100", "--timeout=3600", "--modal_environment=prod", "--cpu_count=2", "--memory=32GB", "--region=us-east", "--cloud=aws");

        var described = await Ok(program, "step-operator", "describe", "gpu");

        Assert.Equal(
            """
            step-operator 'gpu'
              flavor: modal
              token_id: ********
              token_secret: ********
              defaults for its steps (a step that sets one itself keeps its own):
                cloud: aws
                cpu_count: 2
                gpu: A100
                memory: 32GB
                modal_environment: prod
                region: us-east
                timeout: 3600

            """.ReplaceLineEndings("\n"),
            described.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Plan_shows_which_resources_came_from_the_defaults_and_that_the_attribute_configuration_and_set_win()
    {
        using var program = new TestProgram();
        await Ok(program, "step-operator", "register", "box", "--flavor=docker", "--cpu_count=2", "--memory=2GB", "--gpu=A100", "--gpu_count=2", "--timeout=600");
        await Ok(program, "orchestrator", "update", "local", "--timeout=100");
        await Ok(program, "stack", "register", "boxed", "-o", "local", "-s", "box", "-i", "docker");

        // Square's attribute: Gpu = "T4", Memory = "1GB", CpuCount = 0.5, MemoryLimit = "2GB", CpuLimit = 1. It keeps them
        // (T4, not A100); GpuCount and Timeout come from 'box'.
        var plan = await Ok(program, "plan", "Flow", "--stack", "boxed");
        Assert.Equal(
            """
              Square
                placement: box
                resources: cpu_shares 512, nano_cpus 1000000000, memory_reservation 1000000000 bytes, memory 2000000000 bytes, gpus 2 (nvidia)
                from step-operator 'box' defaults: GpuCount = 2, Timeout = 600
                gpu: T4:2

            """.ReplaceLineEndings("\n"),
            Regex.Replace(PlannedStep(plan.Output, "Square"), @"    (cache|cost): .*\n", string.Empty));
        Assert.Contains("    from orchestrator 'local' defaults: Timeout = 100\n", PlannedStep(plan.Output, "Produce"));

        // --set beats the project's configuration, which beats the attribute; an emptied setting falls back to the default.
        program.Environment["STEPOPERATOR_Steps__Square__Memory"] = "3GB";
        program.Environment["STEPOPERATOR_Steps__Square__MemoryLimit"] = "4GB";
        program.Environment["STEPOPERATOR_Steps__Square__GpuCount"] = "3";
        var overridden = await Ok(program, "plan", "Flow", "--stack", "boxed", "--set", "Square.GpuCount=1", "--set", "Square.CpuCount=", "--set", "Square.CpuLimit=");
        var square = PlannedStep(overridden.Output, "Square");
        Assert.Contains("    resources: cpu_shares 2048, nano_cpus unlimited, memory_reservation 3000000000 bytes, memory 4000000000 bytes, gpus 1 (nvidia)\n", square);
        Assert.Contains("    from step-operator 'box' defaults: CpuCount = 2, Timeout = 600\n", square);
        Assert.Empty(program.Runs());
    }

    [Fact]
    public async Task The_orchestrators_timeout_reaches_a_step_that_sets_none()
    {
        using var program = new TestProgram();
        await Ok(program, "orchestrator", "update", "local", "--timeout=1");

        // Sleep(60) sets no Timeout: the orchestrator's default of 1 s stops it.
        var result = await program.RunAsync("Slow");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("timed out after 1s (Timeout)", result.Error);
        Assert.Equal(StepStatus.TimedOut, program.OnlyRun().Steps.Single().Status);
    }

    /// <summary>A Modal stack whose registry is at <paramref name="registryServer"/>, with an S3 store that is never contacted.</summary>
    private static async Task RegisterModalStackAsync(TestProgram program, string registryServer, params string[] stepOperatorSettings)
    {
        // No ~/.modal.toml of the machine's user, no inherited MODAL_SERVER_URL.
        program.Environment["MODAL_CONFIG_PATH"] = Path.Combine(program.Home, "modal.toml");
        program.Environment["MODAL_SERVER_URL"] = string.Empty;
        await Ok(program, "artifact-store", "register", "s3", "--flavor=s3", "--bucket=ml-artifacts", "--endpoint=http://127.0.0.1:9", "--access_key_id=id", "--secret_access_key=key");
        await Ok(program, "container-registry", "register", "near", "--flavor=default", $"--server={registryServer}", "--username=me", "--password=pw");
        await Ok(program, ["step-operator", "register", "modal", "--flavor=modal", .. stepOperatorSettings]);

        // Without an image builder the stack stays invalid, so a plan stops at validation whatever else it finds.
        await Ok(program, "stack", "register", "remote", "-o", "local", "-s", "modal", "-a", "s3", "-c", "near");
    }

    private const string NoImageBuilder = "Stack 'remote' runs steps in containers but has no image builder";

    [Theory]
    [InlineData("127.0.0.1:5000")]
    [InlineData("localhost:5000")]
    [InlineData("[::1]:5000")]
    [InlineData("registry.localhost")]
    [InlineData("0.0.0.0:5000")]
    public async Task A_loopback_registry_is_refused_when_the_Modal_server_is_remote(string server)
    {
        using var program = new TestProgram();
        await RegisterModalStackAsync(program, server);

        var plan = await program.RunAsync("plan", "Flow", "--stack", "remote");

        Assert.Equal(2, plan.ExitCode);
        Assert.Contains(
            $"Stack 'remote': container registry 'near' is at {server}, an address of this machine only, and step operator 'modal' runs steps on Modal's servers " +
            "(https://api.modal.com:443, from Modal's default), which cannot pull the step image from it. " +
            "Use a registry Modal can reach (ghcr.io, Docker Hub, Amazon ECR, ...): dotnet run -- container-registry register <name> --flavor=default " +
            "--server=ghcr.io --namespace=<user> --username=... --password=..., then: dotnet run -- stack update remote -c <name>.", plan.Error);

        // A run is refused the same way, before any build.
        var run = await program.RunAsync("Flow", "--stack", "remote");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"container registry 'near' is at {server}, an address of this machine only", run.Error);
        Assert.False(Directory.Exists(Path.Combine(program.Home, "runs")));
    }

    [Fact]
    public async Task A_loopback_registry_serves_a_Modal_server_on_this_machine_and_a_remote_registry_any()
    {
        using var program = new TestProgram();
        await RegisterModalStackAsync(program, "127.0.0.1:5000");

        // An emulator at MODAL_SERVER_URL on loopback can pull from it.
        program.Environment["MODAL_SERVER_URL"] = "http://127.0.0.1:8911";
        var emulated = await program.RunAsync("plan", "Flow", "--stack", "remote");
        Assert.Contains(NoImageBuilder, emulated.Error);
        Assert.DoesNotContain("an address of this machine only", emulated.Error);

        // The step operator's server_url comes first: a remote one makes the loopback registry unreachable again.
        await Ok(program, "step-operator", "update", "modal", "--server_url=https://api.modal.com");
        var remote = await program.RunAsync("plan", "Flow", "--stack", "remote");
        Assert.Contains("runs steps on Modal's servers (https://api.modal.com, from the step operator's server_url)", remote.Error);

        // ~/.modal.toml's server_url counts too.
        await Ok(program, "step-operator", "update", "modal", "--server_url=");
        program.Environment["MODAL_SERVER_URL"] = string.Empty;
        File.WriteAllText(Path.Combine(program.Home, "modal.toml"), "[local]\nactive = true\nserver_url = \"http://localhost:8911\"\n");
        var profiled = await program.RunAsync("plan", "Flow", "--stack", "remote");
        Assert.Contains(NoImageBuilder, profiled.Error);
        Assert.DoesNotContain("an address of this machine only", profiled.Error);

        // A registry Modal can reach is fine with Modal's own servers.
        File.Delete(Path.Combine(program.Home, "modal.toml"));
        await Ok(program, "container-registry", "update", "near", "--server=ghcr.io");
        var reachable = await program.RunAsync("plan", "Flow", "--stack", "remote");
        Assert.Contains(NoImageBuilder, reachable.Error);
        Assert.DoesNotContain("an address of this machine only", reachable.Error);
    }
}

/// <summary>A Modal step operator's defaults, as the sandboxes are created with (Modal emulator).</summary>
[Collection(DockerCollection.Name)]
public class ModalStepOperatorDefaultsTests(DockerEnvironment docker)
{
    [RegistryFact]
    public async Task A_sandbox_is_created_with_the_step_operators_defaults_where_the_step_sets_nothing()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        var program = modal.Program;
        var updated = await program.RunAsync("step-operator", "update", "modal", "--gpu=A100", "--gpu_count=2", "--cpu_count=1", "--timeout=3600", "--modal_environment=main");
        Assert.True(updated.ExitCode == 0, updated.ToString());

        // Square's attribute: Gpu = "T4", Memory = "1GB", CpuCount = 0.5, MemoryLimit = "2GB", CpuLimit = 1; --set empties
        // CpuCount, so the default applies.
        var plan = await program.RunAsync("plan", "Flow", "--stack", ModalTestStack.StackName, "--set", "Square.CpuCount=");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains(
            "  Square\n    placement: modal\n    resources: milli_cpu 1000, milli_cpu_max 1000, memory_mb 1000, memory_mb_max 2000, gpu T4:2\n" +
            "    from step-operator 'modal' defaults: GpuCount = 2, CpuCount = 1, Timeout = 3600, ModalEnvironment = \"main\"\n    gpu: T4:2\n",
            plan.Output.ReplaceLineEndings("\n"));

        var run = await program.RunAsync("Flow", "--stack", ModalTestStack.StackName, "--set", "Square.CpuCount=");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("result 63", run.Output);

        var create = JsonDocument.Parse(Assert.Single(modal.Emulator.RequestsFor("SandboxCreate")).Json).RootElement;
        var resources = create.GetProperty("definition").GetProperty("resources");
        Assert.Equal(1000, resources.GetProperty("milliCpu").GetInt32());                        // the default, --set emptied the step's
        Assert.Equal(1000, resources.GetProperty("memoryMb").GetInt32());                        // the attribute's
        Assert.Equal("T4", resources.GetProperty("gpuConfig").GetProperty("gpuType").GetString()); // the attribute's, not the default A100
        Assert.Equal(2, resources.GetProperty("gpuConfig").GetProperty("count").GetInt32());    // the default
        Assert.Equal(3600, create.GetProperty("definition").GetProperty("timeoutSecs").GetInt32()); // the default

        // The default environment reached the step: its app was looked up in "main" by name (the run's own connection names none).
        Assert.Contains(modal.Emulator.RequestsFor("AppGetOrCreate"),
            request => JsonDocument.Parse(request.Json).RootElement.TryGetProperty("environmentName", out var name) && name.GetString() == "main");
    }
}
