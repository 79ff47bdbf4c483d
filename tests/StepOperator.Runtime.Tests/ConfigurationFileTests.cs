using System.Text;
using System.Text.RegularExpressions;

namespace StepOperator.Runtime.Tests;

/// <summary>
/// A configuration file StepOperator would not read (the user-level file or the project's stepoperator.json) ends
/// every command with one line, file:line:column: problem and fix, and exit code 2; never a stack trace, and the
/// file is never rewritten.
/// </summary>
public sealed class ConfigurationFileTests : IDisposable
{
    private const string Pipeline = "ConfigurationFileTestPipeline";

    // Cut off in the middle of a stack, as an interrupted edit leaves it.
    private const string Truncated = "{\n  \"Stacks\": {\n    \"gpu\": { \"Orchestrator\": \"local\",\n";

    private readonly InProcessHost _host = new();

    static ConfigurationFileTests() =>
        StepCatalog.Register(new PipelineDefinition(Pipeline, "ConfigurationFileTests.Pipeline", _ => Task.CompletedTask));

    public void Dispose() => _host.Dispose();

    public static TheoryData<string, string[]> CommandsAndFiles()
    {
        string[][] commands =
        [
            ["stack", "list"],
            ["stack", "describe"],
            ["artifact-store", "list"],
            ["step-operator", "describe", "local"],
            [Pipeline, "--no-color"],
            ["plan", Pipeline],
            ["stack", "register", "mine"],
            ["stack", "activate", "local"],
            ["stack", "delete", "mine"],
            ["step-operator", "register", "mine", "--flavor=local"],
            ["orchestrator", "update", "local", "--standby=false"],
        ];
        var data = new TheoryData<string, string[]>();
        foreach (var file in new[] { "user", "project" })
        {
            foreach (var command in commands)
            {
                data.Add(file, command);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommandsAndFiles))]
    public async Task A_malformed_file_ends_each_command_with_one_line_exit_2_and_the_file_unchanged(string file, string[] command)
    {
        var path = file == "user" ? _host.UserFile : _host.ProjectFile;
        File.WriteAllText(path, Truncated);

        var result = await _host.RunAsync(command);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(new Regex($@"^{Regex.Escape(path)}:4:1: not valid JSON: .+\. Correct the JSON there\.$"), line.TrimEnd('\r'));
        Assert.DoesNotContain("Exception", result.Output + result.Error);
        Assert.Equal(Truncated, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("{\n  \"Stack\": {}\n}", 2, 3, "'Stack' is not a configuration section. Sections: ActiveStack, Orchestrators, StepOperators, ArtifactStores, ContainerRegistries, ImageBuilders, Stacks, Steps; rename or remove it.")]
    [InlineData("{ \"Stacks\": { \"gpu\": { \"Orchestrater\": \"local\" } } }", 1, 24, "'Orchestrater' is not a stack setting (Stacks:gpu). Settings: Orchestrator, StepOperator, ArtifactStore, ContainerRegistry, ImageBuilder; rename or remove it.")]
    [InlineData("{ \"Steps\": { \"Train\": { \"Memroy\": \"32GB\" } } }", 1, 25, "'Memroy' is not a step setting (Steps:Train).")]
    [InlineData("{ \"StepOperators\": { \"gpu\": { \"Flavor\": \"modal\", \"Tokn\": \"x\" } } }", 1, 50, "'Tokn' is not a setting that step-operator flavor 'modal' can use (StepOperators:gpu). It takes: TokenId, TokenSecret,")]
    [InlineData("{ \"Orchestrators\": { \"local\": { \"Cpus\": 4 } } }", 1, 33, "'Cpus' is not a setting that orchestrator flavor 'local' can use (Orchestrators:local).")]
    [InlineData("{ \"StepOperators\": { \"gpu\": { \"Flavor\": \"Modal\" } } }", 1, 41, "StepOperators:gpu:Flavor 'Modal' is not a flavor of step-operator. Flavors: local, docker, modal.")]
    [InlineData("{ \"ActiveStack\": 5 }", 1, 18, "ActiveStack is a number; it must be text in quotes.")]
    [InlineData("{ \"Stacks\": { \"gpu\": { \"Orchestrator\": { \"Name\": \"local\" } } } }", 1, 40, "Stacks:gpu:Orchestrator is an object; it must be text in quotes.")]
    [InlineData("{ \"Stacks\": [ \"gpu\" ] }", 1, 13, "Stacks is a list; it must be an object of named entries")]
    [InlineData("{ \"Steps\": { \"Train\": { \"Memory\": null } } }", 1, 35, "Steps:Train:Memory is null; it must be a value: text in quotes, a number, true or false.")]
    [InlineData("{ \"Stacks\": { \"a:b\": {} } }", 1, 15, "'a:b' cannot be a name in Stacks")]
    [InlineData("{\n  \"Stacks\": {},\n  \"stacks\": {}\n}", 3, 3, "'stacks' is given twice (also at line 2; names are not case-sensitive). Keep one.")]
    [InlineData("[ { \"Stacks\": {} } ]", 1, 1, "the configuration is a list; it must be one object")]
    [InlineData("", 1, 1, "the file is empty. Write {} for an empty configuration, or delete the file.")]
    [InlineData("{ \"ActiveStack\": \"local\" } }", 1, 28, "not valid JSON: ")]
    [InlineData("{ \"ActiveStack\": \"\\ud800\" }", 1, 18, "this text has a \\u escape that is not a character")]
    public async Task Each_problem_is_named_at_its_line_and_column_with_its_fix(string text, int line, int column, string message)
    {
        File.WriteAllText(_host.UserFile, text);

        var result = await _host.RunAsync("stack", "list");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.True(result.Error.StartsWith($"{_host.UserFile}:{line}:{column}: {message}", StringComparison.Ordinal), result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(text, File.ReadAllText(_host.UserFile));
    }

    [Fact]
    public async Task A_file_that_is_not_UTF_8_is_named_with_the_byte_where_it_stops_being_UTF_8()
    {
        byte[] bytes = [.. "{\n  \"ActiveStack\": \"caf"u8, 0xE9, .. "\"\n}"u8]; // Latin-1 é
        File.WriteAllBytes(_host.ProjectFile, bytes);

        var result = await _host.RunAsync("stack", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{_host.ProjectFile}:2:22: not UTF-8 text (byte 0xE9). Save the file as UTF-8.", result.Error.TrimEnd());
        Assert.Equal(bytes, File.ReadAllBytes(_host.ProjectFile));
    }

    [Fact]
    public async Task Columns_count_characters_and_a_byte_order_mark_is_not_one()
    {
        File.WriteAllText(_host.UserFile, "{ \"Stacks\": { \"grün\": { \"Orchestrater\": \"local\" } } }", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var result = await _host.RunAsync("stack", "list");

        Assert.True(result.Error.StartsWith($"{_host.UserFile}:1:25: 'Orchestrater' is not a stack setting (Stacks:grün).", StringComparison.Ordinal), result.Error);
    }

    [Fact]
    public async Task Settings_in_the_project_file_are_checked_against_the_flavor_the_user_file_registered()
    {
        File.WriteAllText(_host.UserFile, """{ "StepOperators": { "gpu": { "Flavor": "modal" } } }""");
        File.WriteAllText(_host.ProjectFile, """{ "StepOperators": { "gpu": { "Timeout": 600, "Standby": false } } }""");

        var result = await _host.RunAsync("step-operator", "describe", "gpu");

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Error.StartsWith($"{_host.ProjectFile}:1:47: 'Standby' is not a setting that step-operator flavor 'modal' can use", StringComparison.Ordinal), result.Error);
    }

    [Fact]
    public async Task A_component_without_a_flavor_in_either_file_is_named_where_it_is_declared()
    {
        File.WriteAllText(_host.UserFile, """{ "StepOperators": { "gpu": { "Timeout": 600 } } }""");

        var result = await _host.RunAsync("stack", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{_host.UserFile}:1:22: step-operator 'gpu' has no Flavor. Add \"Flavor\": \"<local|docker|modal>\" to it.", result.Error.TrimEnd());

        // The project file may give the flavor of the user file's component.
        File.WriteAllText(_host.ProjectFile, """{ "StepOperators": { "gpu": { "Flavor": "modal" } } }""");
        var described = await _host.RunAsync("step-operator", "describe", "gpu");
        Assert.True(described.ExitCode == 0, described.ToString());
        Assert.Contains("flavor: modal", described.Output);
        Assert.Contains("timeout: 600", described.Output);
    }

    [Fact]
    public async Task A_valid_file_with_comments_numbers_and_trailing_commas_is_read_and_not_rewritten()
    {
        var text = """
            {
              // my stacks
              "StepOperators": { "gpu": { "Flavor": "modal", "Timeout": 600, "GpuCount": 1, } },
              "Orchestrators": { "local": { "Standby": false, "MaxParallelSteps": 2 } },
              "Stacks": { "mine": { "Orchestrator": "local", "StepOperator": "gpu" } },
              "ActiveStack": "mine",
            }
            """;
        File.WriteAllText(_host.UserFile, text);

        var list = await _host.RunAsync("stack", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("* mine", list.Output);

        // Saving would drop the comments: refused, and the file stays as written.
        var activate = await _host.RunAsync("stack", "activate", "local");
        Assert.Equal(2, activate.ExitCode);
        Assert.Equal($"{_host.UserFile} has comments, which saving this change would remove. Remove them and run the command again, or make the change in the file by hand.", activate.Error.TrimEnd());
        Assert.Equal(text, File.ReadAllText(_host.UserFile));
    }

    [Fact]
    public async Task Sections_written_in_another_case_are_changed_in_place_not_written_twice()
    {
        File.WriteAllText(_host.UserFile, """{ "stacks": { "mine": { "orchestrator": "local" } }, "activestack": "mine" }""");

        Assert.Equal(0, (await _host.RunAsync("stack", "register", "other")).ExitCode);
        var activate = await _host.RunAsync("stack", "activate", "other");
        Assert.True(activate.ExitCode == 0, activate.ToString());

        var list = await _host.RunAsync("stack", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("* other", list.Output);
        Assert.Contains("  mine", list.Output);
        var saved = File.ReadAllText(_host.UserFile);
        Assert.Single(Regex.Matches(saved, "\"stacks\"", RegexOptions.IgnoreCase));
        Assert.Single(Regex.Matches(saved, "\"activestack\"", RegexOptions.IgnoreCase));
    }

    [Fact]
    public async Task A_folder_where_the_file_should_be_is_named()
    {
        Directory.CreateDirectory(_host.UserFile);

        var result = await _host.RunAsync("stack", "register", "mine");

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Error.StartsWith($"{_host.UserFile}: this is a folder, where a configuration file was expected.", StringComparison.Ordinal), result.Error);
    }
}
