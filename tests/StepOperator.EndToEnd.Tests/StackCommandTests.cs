using System.Text.RegularExpressions;
using StepOperator.Runs;

namespace StepOperator.EndToEnd.Tests;

/// <summary>Registering components and stacks through the program's commands, as with ZenML's CLI.</summary>
public class StackCommandTests
{
    private static async Task<TestProgram.Result> Ok(TestProgram program, params string[] arguments)
    {
        var result = await program.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    [Fact]
    public async Task Register_activate_run_describe_round_trip()
    {
        using var program = new TestProgram();

        var registered = await Ok(program, "step-operator", "register", "gpu-op", "--flavor=modal", "--token_id=ak-round-trip-id", "--token_secret=as-round-trip-secret");
        Assert.Contains("Registered step-operator 'gpu-op' (flavor modal): TokenId=********, TokenSecret=********.", registered.Output);
        await Ok(program, "artifact-store", "register", "scratch", "--flavor=local", $"--path={Path.Combine(program.Home, "scratch")}");
        await Ok(program, "stack", "register", "dev", "-o", "local", "-s", "local", "-a", "scratch");
        var activated = await Ok(program, "stack", "activate", "dev");
        Assert.Contains("Active stack: 'dev'.", activated.Output);

        // No --stack: the active stack runs, with its own artifact store.
        var run = await Ok(program, "Flow");
        Assert.Contains("pipeline 'Flow' on stack 'dev'", run.Output);
        Assert.Contains("result 63", run.Output);
        var runDirectory = Assert.Single(Directory.GetDirectories(Path.Combine(program.Home, "runs")), d => File.Exists(Path.Combine(d, "run.json")));
        var record = RunRecord.Load(Path.Combine(runDirectory, "run.json"));
        Assert.Equal("dev", record.Stack);
        Assert.StartsWith(new Uri(Path.Combine(program.Home, "scratch")).AbsoluteUri, record.ArtifactStore);
        Assert.True(File.Exists(Path.Combine(program.Home, "scratch", record.Steps[0].Output!.Key)));

        var described = await Ok(program, "stack", "describe");
        Assert.Contains("Stack 'dev' (active)", described.Output);
        Assert.Contains($"  artifact-store: scratch (local), path={Path.Combine(program.Home, "scratch")}", described.Output);

        var list = await Ok(program, "stack", "list");
        Assert.Matches(new Regex(@"^\* dev ", RegexOptions.Multiline), list.Output);

        var operatorShown = await Ok(program, "step-operator", "describe", "gpu-op");
        Assert.Contains("token_secret: ********", operatorShown.Output);
        Assert.DoesNotContain("as-round-trip-secret", operatorShown.Output + described.Output + list.Output + registered.Output);

        // The secrets live in the user-level file, readable by its owner only.
        Assert.Contains("as-round-trip-secret", File.ReadAllText(program.ConfigFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(program.ConfigFile));
        }
    }

    [Fact]
    public async Task Modal_token_id_and_secret_must_be_given_together()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("step-operator", "register", "half", "--flavor=modal", "--token_id=ak-only");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("token_id and token_secret must be given together", result.Error);
        Assert.False(File.Exists(program.ConfigFile));
    }

    [Fact]
    public async Task Registration_refuses_unknown_flavors_built_in_names_and_deleting_components_in_use()
    {
        using var program = new TestProgram();
        var flavor = await program.RunAsync("artifact-store", "register", "x", "--flavor=ftp");
        Assert.Equal(2, flavor.ExitCode);
        Assert.Contains("artifact-store flavor 'ftp' does not exist. Flavors: local, s3, azure.", flavor.Error);

        var builtIn = await program.RunAsync("step-operator", "register", "local", "--flavor=local");
        Assert.Equal(2, builtIn.ExitCode);
        Assert.Contains("step-operator 'local' already exists", builtIn.Error);

        await Ok(program, "artifact-store", "register", "scratch", "--flavor=local");
        await Ok(program, "stack", "register", "dev", "-a", "scratch", "-s", "local");
        var inUse = await program.RunAsync("artifact-store", "delete", "scratch");
        Assert.Equal(2, inUse.ExitCode);
        Assert.Contains("artifact-store 'scratch' is used by stack(s) dev. Change them first: dotnet run -- stack update dev -a <other>.", inUse.Error);

        var missing = await program.RunAsync("stack", "update", "dev", "-s", "nope");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("No step-operator named 'nope'. Registered: docker, local.", missing.Error);
    }

    [Fact]
    public async Task A_remote_step_operator_needs_a_remote_store_a_registry_and_an_image_builder()
    {
        using var program = new TestProgram();
        await Ok(program, "step-operator", "register", "gpu-op", "--flavor=modal");
        await Ok(program, "stack", "register", "remote", "-s", "gpu-op");

        var result = await program.RunAsync("Flow", "--stack", "remote");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Stack 'remote' cannot run pipeline 'Flow'; nothing was started:", result.Error);
        Assert.Contains("Stack 'remote': step operator 'gpu-op' runs steps on Modal's machines, which cannot read the local artifact store 'local'. " +
            "Register a remote one: dotnet run -- artifact-store register <name> --flavor=s3 --bucket=... (or --flavor=azure), then: dotnet run -- stack update remote -a <name>.", result.Error);
        Assert.Contains("Stack 'remote': step operator 'gpu-op' runs steps from an image that Modal pulls from a container registry, and the stack has none. " +
            "Register one: dotnet run -- container-registry register <name> --flavor=default --server=... --username=... --password=..., then: dotnet run -- stack update remote -c <name>.", result.Error);
        Assert.Contains("Stack 'remote' runs steps in containers but has no image builder to build the step image. Add the built-in one: dotnet run -- stack update remote -i docker.", result.Error);
        Assert.False(Directory.Exists(Path.Combine(program.Home, "runs")));
    }

    [Fact]
    public async Task A_modal_step_needs_a_step_operator_in_the_stack()
    {
        using var program = new TestProgram();
        await Ok(program, "stack", "register", "bare");

        var result = await program.RunAsync("Flow", "--stack", "bare");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Step 'Square' is a [ModalStep], but stack 'bare' has no step operator. Add one: dotnet run -- stack update bare -s <name>.", result.Error);
    }

    [Fact]
    public async Task A_step_naming_another_step_operator_than_the_stacks_is_refused()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Flow", "--set", "Square.StepOperator=special");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Step 'Square' asks for step operator 'special', but stack 'local' has step operator 'local'. " +
            "Use it in the stack: dotnet run -- stack update local -s special, or change the step's StepOperator.", result.Error);
    }

    [Fact]
    public async Task A_stack_naming_an_unregistered_component_says_how_to_register_it()
    {
        using var program = new TestProgram();
        Directory.CreateDirectory(Path.GetDirectoryName(program.ConfigFile)!);
        File.WriteAllText(program.ConfigFile, """{ "Stacks": { "typo": { "Orchestrator": "local", "ArtifactStore": "my-s3", "StepOperator": "local" } } }""");

        var result = await program.RunAsync("Flow", "--stack", "typo");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Stack 'typo' uses artifact-store 'my-s3', which is not registered (registered: local). " +
            "Register it: dotnet run -- artifact-store register my-s3 --flavor=<local|s3|azure> ..., or choose another: dotnet run -- stack update typo -a <name>.", result.Error);
    }

    [Fact]
    public async Task Run_time_overrides_are_checked_by_the_analyzers_rules_before_anything_starts()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Flow", "--set", "Square.Memory=32 gb", "--set", "Square.GpuCount=9", "--set", "Nope.Gpu=A100");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Override of step 'Square': Memory \"32 gb\" is not a size Modal understands: it must be an integer and a unit (case-sensitive). Did you mean \"32GB\" or \"32GiB\"? (SOP003)", result.Error);
        Assert.Contains("Override of step 'Square': GpuCount = 9 is more than Modal attaches of T4 (at most 8 per container).", result.Error);
        Assert.Contains("Override of step 'Nope': this program has no such step.", result.Error);
        Assert.False(Directory.Exists(Path.Combine(program.Home, "runs")));

        var badProperty = await program.RunAsync("Flow", "--set", "Square.Colour=blue");
        Assert.Contains("Override of step 'Square': 'Colour' is not a step setting. Settings: Gpu, GpuCount, CpuCount, Memory, CpuLimit, MemoryLimit, Timeout, Region, Cloud, ModalEnvironment, StepOperator, EnableCache, MaxRetries, RetryDelay, RetryBackoff, RetryOnException.", badProperty.Error);
    }

    [Fact]
    public async Task A_gpu_type_the_catalog_does_not_know_is_a_warning_and_a_limit_below_its_request_an_error()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Flow", "--set", "Square.Gpu=x900", "--set", "Square.MemoryLimit=512MB");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("warning: Override of step 'Square': GPU type \"x900\" is not in Modal's catalog as StepOperator knows it; it is sent as \"X900\"", result.Error);
        Assert.Contains("Override of step 'Square': MemoryLimit = \"512MB\" (512 MB) is below Memory = \"1GB\" (1000 MB): the hard limit cannot be lower than the reservation.", result.Error);
        Assert.DoesNotContain("(SOP004)\n  - ", result.Error.ReplaceLineEndings("\n")); // the warning is not among the problems

        var warned = await program.RunAsync("Flow", "--set", "Square.Gpu=x900", "--set", "Square.MemoryLimit=4GB");
        Assert.True(warned.ExitCode == 0, warned.ToString());
        Assert.Contains("warning: Override of step 'Square': GPU type \"x900\"", warned.Error);
        Assert.Contains("MemoryLimit = \"4GB\" not enforced by step operator 'local'", warned.Output);
    }

    [Fact]
    public async Task Valid_overrides_from_the_command_line_and_the_project_file_change_the_run()
    {
        using var program = new TestProgram();
        program.Environment["STEPOPERATOR_Steps__Square__CpuCount"] = "3";
        program.Environment["STEPOPERATOR_Steps__Square__CpuLimit"] = "4";
        var result = await program.RunAsync("Flow", "--set", "Square.Memory=2GiB", "--set", "Square.MemoryLimit=", "--set", "Square.Gpu=");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Square: CpuCount = 3, CpuLimit = 4, Memory = \"2GiB\" not enforced by step operator 'local'", result.Output);
    }
}
