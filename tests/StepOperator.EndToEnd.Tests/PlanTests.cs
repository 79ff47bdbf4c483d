namespace StepOperator.EndToEnd.Tests;

/// <summary><c>plan</c> as a newcomer meets it: a clean plan, the pipeline's own output apart, and a what-if on Modal.</summary>
public class PlanTests
{
    [Fact]
    public async Task A_clean_plan_has_no_failure_notes_and_keeps_the_pipelines_own_output_apart()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("plan", "Flow");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // The plan comes first; what the [Pipeline] method printed itself follows under its own heading, marked.
        Assert.StartsWith("Plan: pipeline 'Flow' on stack 'local' (4 step calls; nothing is started)", lines[0]);
        var heading = Array.FindIndex(lines, l => l.StartsWith("  pipeline output (printed by the [Pipeline] method itself", StringComparison.Ordinal));
        Assert.True(heading > 0, result.Output);
        var printed = Assert.Single(lines, l => l.Contains("orchestrator process", StringComparison.Ordinal));
        Assert.StartsWith("  | orchestrator process ", printed);
        Assert.True(Array.IndexOf(lines, printed) > heading, result.Output);
        Assert.Equal(string.Empty, result.Error);

        // Flow awaits Combine's value: the plan says it ends there, in words that blame nothing.
        Assert.Contains("  note: the pipeline method reads the value of step 'Combine', which only a run produces, so the plan ends there", result.Output);
        foreach (var failure in new[] { "failed", "did not run", "stopped" })
        {
            Assert.DoesNotContain(failure, result.Output, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Empty(program.Runs());
    }

    [Fact]
    public async Task Plan_on_modal_before_anything_is_registered_is_a_what_if_with_fixes_resources_and_price()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("plan", "Flow", "--stack", "modal");

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Output.ReplaceLineEndings("\n");
        Assert.StartsWith("Plan: pipeline 'Flow' on stack 'modal' (4 step calls; nothing is started)", output);

        // Each missing component is a warning with the real command that registers it, then the stack's.
        Assert.Contains("  warning: no Modal step operator is registered. Register one: dotnet run -- step-operator register modal --flavor=modal --token_id=<ak-...> --token_secret=<as-...>", output);
        Assert.Contains("  warning: no remote artifact store is registered (Modal's machines cannot read a local one). Register one: dotnet run -- artifact-store register artifacts --flavor=s3 --bucket=<bucket>", output);
        Assert.Contains("  warning: no container registry is registered (Modal pulls the step image from one). Register one Modal can reach: dotnet run -- container-registry register registry --flavor=default --server=ghcr.io", output);
        Assert.Contains("Register it: dotnet run -- stack register modal -o local -s modal -a artifacts -c registry -i docker, then run with --stack modal", output);

        // Square, a [ModalStep], with Modal's resources as they would be sent and its price; the [Step]s stay local.
        Assert.Contains("  Square\n    placement: modal\n    resources: milli_cpu 500, milli_cpu_max 1000, memory_mb 1000, memory_mb_max 2000, gpu T4:1\n", output);
        Assert.Matches(@"  Square\n(    .*\n)*?    cost: \$\d+\.\d{4}/hour while it runs", output);
        Assert.Contains("  Produce\n    placement: local\n", output);
        Assert.Matches(@"  estimated cost: \$\d+\.\d{4} per hour of the steps that would run", output);
        Assert.False(Directory.Exists(Path.Combine(program.Home, "runs")), "a what-if writes nothing");
        Assert.False(File.Exists(program.ConfigFile));
    }

    [Fact]
    public async Task Plan_with_a_registered_modal_operator_names_only_what_is_still_missing()
    {
        using var program = new TestProgram();
        var registered = await program.RunAsync("step-operator", "register", "gpu", "--flavor=modal", "--token_id=ak-x", "--token_secret=as-y");
        Assert.True(registered.ExitCode == 0, registered.ToString());

        var result = await program.RunAsync("plan", "Flow", "--stack", "modal");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("no Modal step operator is registered", result.Output);
        Assert.Contains("no remote artifact store is registered", result.Output);
        Assert.Contains("dotnet run -- stack register modal -o local -s gpu -a artifacts -c registry -i docker", result.Output);
        Assert.Contains("  Square\n    placement: gpu\n", result.Output.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("as-y", result.Output + result.Error);
    }
}
