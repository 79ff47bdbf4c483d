using System.Text.Json;

namespace StepOperator.Package.Tests;

/// <summary>
/// The path a new user takes: install StepOperator.Templates (packed as the README says), create a project
/// with `dotnet new stepoperator`, and `dotnet run` it against the packed StepOperator package.
/// </summary>
[Collection(PackageCollection.Name)]
public class ProjectTemplateTests(PackedPackage package)
{
    private const string ShortName = "stepoperator";

    [Fact]
    public async Task The_created_project_runs_its_pipeline_with_dotnet_run_at_once()
    {
        var hive = await InstallTemplatesAsync("hive-run");

        var help = await NewAsync(hive, package.Root, ShortName, "--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("StepOperator pipeline", help.Output);

        var directory = await CreateAsync(hive, "MyPipeline");

        // The project as created: the generator writes Main, so there is no Program.cs to win over it, and the
        // project references the StepOperator version the templates were packed with.
        Assert.False(File.Exists(Path.Combine(directory, "Program.cs")), "the template must not bring a Program.cs");
        Assert.Contains($"<PackageReference Include=\"StepOperator\" Version=\"{package.Version}\" />",
            File.ReadAllText(Path.Combine(directory, "MyPipeline.csproj")));
        Assert.Contains("namespace MyPipeline;", File.ReadAllText(Path.Combine(directory, "PipelineSteps.cs")));
        Assert.Contains(".stepoperator/", File.ReadAllLines(Path.Combine(directory, ".gitignore")));
        var readme = File.ReadAllText(Path.Combine(directory, "README.md"));
        Assert.StartsWith("# MyPipeline", readme);
        foreach (var command in new[] { "dotnet run -- plan", "dotnet run -- --help", "dotnet add package StepOperator.Modal", "dotnet run -- plan --stack modal", "step-operator register gpu --flavor=modal", "dotnet run -- plan --stack gpu-stack" })
        {
            Assert.Contains(command, readme);
        }

        package.WriteNuGetConfig(directory);
        var run = await DotNetCli.RunAsync(directory, "run");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[LoadCorpus] loaded 6 texts", run.Output);
        Assert.Contains("[Embed] embedded 6 texts in 32 dimensions", run.Output);
        Assert.Contains("[FindClosestPair] closest pair: similarity", run.Output);
        Assert.Contains("most similar: \"a modal step runs in a sandbox with a gpu\" and \"a sandbox on modal gets the gpu the step asks for\"", run.Output);
        Assert.DoesNotContain(" warning ", run.Output);

        var record = Assert.Single(Directory.GetFiles(Path.Combine(directory, ".stepoperator", "runs"), "run.json", SearchOption.AllDirectories));
        using (var json = JsonDocument.Parse(File.ReadAllText(record)))
        {
            Assert.Equal("Similarity", json.RootElement.GetProperty("Pipeline").GetString());
            Assert.Equal("local", json.RootElement.GetProperty("Stack").GetString());
            Assert.Equal("Succeeded", json.RootElement.GetProperty("Status").GetString());
            Assert.Equal(new[] { "LoadCorpus", "Embed", "FindClosestPair" },
                json.RootElement.GetProperty("Steps").EnumerateArray().Select(s => s.GetProperty("Step").GetString() ?? ""));
        }

        // The README's first thing to try.
        var plan = await DotNetCli.RunAsync(directory, "run", "--no-build", "--", "plan");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("Plan: pipeline 'Similarity' on stack 'local'", plan.Output);
        Assert.Contains("cache: 3 of 3 step calls expected to be reused", plan.Output);

        // The README's third: what Modal would take, before anything is registered. The project has the local stack
        // only; asking for Modal names the package to add, and once it is added the plan is a what-if.
        var withoutModal = await DotNetCli.RunAsync(directory, "run", "--no-build", "--", "plan", "--stack", "modal");
        Assert.True(withoutModal.ExitCode == 2, withoutModal.ToString());
        Assert.Contains("dotnet add package StepOperator.Modal", withoutModal.Output);
        foreach (var backend in new[] { "StepOperator.Modal", "StepOperator.S3" })
        {
            var add = await DotNetCli.RunAsync(directory, "add", "package", backend, "--version", package.Version);
            Assert.True(add.ExitCode == 0, add.ToString());
        }

        Assert.True((await DotNetCli.RunAsync(directory, "build")).ExitCode == 0);
        var whatIf = await DotNetCli.RunAsync(directory, "run", "--no-build", "--", "plan", "--stack", "modal");
        Assert.True(whatIf.ExitCode == 0, whatIf.ToString());
        Assert.Contains("Plan: pipeline 'Similarity' on stack 'modal'", whatIf.Output);
        Assert.Contains("gpu T4:1", whatIf.Output);
        Assert.Contains("dotnet run -- step-operator register modal --flavor=modal", whatIf.Output);
        Assert.Matches(@"cost: \$\d+\.\d{4}/hour", whatIf.Output);

        var programHelp = await DotNetCli.RunAsync(directory, "run", "--no-build", "--", "--help");
        Assert.True(programHelp.ExitCode == 0, programHelp.ToString());
        Assert.Contains("Embed (modal step: gpu T4, cpu 2, memory 8GB)", programHelp.Output);
    }

    [Fact]
    public async Task Editing_one_step_of_the_created_project_reruns_that_step_alone()
    {
        var hive = await InstallTemplatesAsync("hive-edit");
        var directory = await CreateAsync(hive, "EditedPipeline");
        package.WriteNuGetConfig(directory);

        var first = await DotNetCli.RunAsync(directory, "run");
        Assert.True(first.ExitCode == 0, first.ToString());

        // As the created README suggests: change FindClosestPair's message.
        var steps = Path.Combine(directory, "PipelineSteps.cs");
        var source = File.ReadAllText(steps);
        Assert.Contains("closest pair: similarity", source);
        File.WriteAllText(steps, source.Replace("closest pair: similarity", "closest pair found: similarity", StringComparison.Ordinal));

        var second = await DotNetCli.RunAsync(directory, "run");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Matches(@"LoadCorpus: cached: output of run \S+ reused", second.Output);
        Assert.Matches(@"Embed: cached: output of run \S+ reused", second.Output);
        Assert.Contains("FindClosestPair: started on 'local' (not cached: code changed)", second.Output);
        Assert.Contains("[FindClosestPair] closest pair found: similarity", second.Output);
        Assert.DoesNotContain("[LoadCorpus]", second.Output);
        Assert.DoesNotContain("[Embed]", second.Output);
    }

    /// <summary>Installs the packed templates into a template hive of the test's own (the machine's is untouched).</summary>
    private async Task<string> InstallTemplatesAsync(string name)
    {
        var templates = await package.PackTemplatesAsync();
        var hive = Path.Combine(package.Root, name);
        var install = await NewAsync(hive, package.Root, "install", templates);
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains($"StepOperator.Templates@{package.Version}", install.Output);
        return hive;
    }

    private async Task<string> CreateAsync(string hive, string name)
    {
        var directory = Path.Combine(package.Root, "created", name);
        var create = await NewAsync(hive, package.Root, ShortName, "-n", name, "-o", directory, "--no-update-check");
        Assert.True(create.ExitCode == 0, create.ToString());
        return directory;
    }

    private static Task<DotNetCli.Result> NewAsync(string hive, string workingDirectory, params string[] arguments) =>
        DotNetCli.RunAsync(workingDirectory, ["new", .. arguments, "--debug:custom-hive", hive]);
}
