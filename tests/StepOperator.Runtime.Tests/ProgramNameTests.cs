using StepOperator.Hosting;

namespace StepOperator.Runtime.Tests;

/// <summary>
/// A program may have any name, also one of its commands' (a project called plan, stack, ...), and a pipeline may be
/// named like a command: the command keeps its name, and the pipeline runs after <c>--</c>.
/// </summary>
public sealed class ProgramNameTests
{
    private static int _runs;

    static ProgramNameTests()
    {
        StepCatalog.Register(new PipelineDefinition("ProgramNameTestPipeline", "ProgramNameTests.Pipeline", _ =>
        {
            Interlocked.Increment(ref _runs);
            return Task.CompletedTask;
        }));
        StepCatalog.Register(new PipelineDefinition("stack", "ProgramNameTests.Stack", _ =>
        {
            Interlocked.Increment(ref _runs);
            return Task.CompletedTask;
        }));
    }

    public static TheoryData<string> CommandNames => new(StepOperatorHost.CommandNames.Order(StringComparer.Ordinal));

    [Fact]
    public void Every_command_is_among_the_names_a_program_name_is_checked_against()
    {
        using var host = new InProcessHost();
        var root = StepOperatorHost.BuildCommandLine(TextWriter.Null, TextWriter.Null, host.Context);

        Assert.Equal(root.Subcommands.Select(c => c.Name).Order(StringComparer.Ordinal), StepOperatorHost.CommandNames.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public async Task A_program_named_like_a_command_starts_runs_its_pipeline_and_keeps_its_commands(string name)
    {
        using var host = new InProcessHost(programName: name);

        var help = await host.RunAsync("--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains($"./{name} [<pipeline>] [command] [options]", help.Output);

        var before = Volatile.Read(ref _runs);
        var run = await host.RunAsync("ProgramNameTestPipeline", "--no-color");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(Volatile.Read(ref _runs) > before, "the pipeline ran");

        var list = await host.RunAsync("stack", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("* local", list.Output);

        // The command of the program's own name is still that command.
        var command = await host.RunAsync(name, "--help");
        Assert.True(command.ExitCode == 0, command.ToString());
        Assert.True(command.Output.Contains($"./{name} [<pipeline>] {name}", StringComparison.Ordinal), command.Output);
    }

    [Fact]
    public async Task A_program_with_another_name_keeps_it_in_its_usage()
    {
        using var host = new InProcessHost(programName: "MyPipeline");

        var help = await host.RunAsync("--help");

        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("MyPipeline [<pipeline>] [command] [options]", help.Output);
        Assert.DoesNotContain("./MyPipeline", help.Output);
    }

    [Fact]
    public async Task A_command_name_means_the_command_and_after_a_double_dash_the_pipeline_of_that_name()
    {
        using var host = new InProcessHost();

        var list = await host.RunAsync("stack", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("* local", list.Output);

        var before = Volatile.Read(ref _runs);
        var run = await host.RunAsync("--no-color", "--", "stack");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(Volatile.Read(ref _runs) > before, "the pipeline 'stack' ran");
        Assert.Contains("stack", run.Output);

        var help = await host.RunAsync("--help");
        Assert.Contains("stack (also a command's name: run it with -- stack)", help.Output);
    }

    [Fact]
    public async Task A_command_line_that_does_not_parse_ends_with_2_not_the_1_of_a_failed_run()
    {
        using var host = new InProcessHost();

        var result = await host.RunAsync("--no-such-option");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-such-option", result.Error);
    }
}
