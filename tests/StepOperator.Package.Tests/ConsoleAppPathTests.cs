namespace StepOperator.Package.Tests;

/// <summary>
/// The README's "What you write" path, as a newcomer takes it: dotnet new console, dotnet add package
/// StepOperator, a steps file. The console template's Program.cs is warned about (SOP105), and once it
/// is gone (or calls the host) dotnet run runs the pipeline.
/// </summary>
[Collection(PackageCollection.Name)]
public class ConsoleAppPathTests(PackedPackage package)
{
    private const string Steps = """
        using StepOperator;

        public sealed record Dataset(double[] Values);

        public static partial class TrainingSteps
        {
            [Step]
            public static Dataset MakeDataset(int seed, int samples) =>
                new(Enumerable.Range(seed, samples).Select(i => i * 0.5).ToArray());

            [ModalStep(Gpu = "A100", Memory = "32GB", CpuCount = 2)]
            public static async Task<double> Train(Dataset data, CancellationToken cancellationToken)
            {
                await Task.Delay(1, cancellationToken);
                return data.Values.Average();
            }

            [Pipeline]
            public static async Task Training()
            {
                var data = Submit.MakeDataset(seed: 1, samples: 4);
                Console.WriteLine($"mean {await Submit.Train(data)}");
            }
        }
        """;

    [Fact]
    public async Task A_new_console_app_with_the_package_and_steps_runs_its_pipeline_once_Program_cs_makes_way()
    {
        var directory = Path.Combine(package.Root, "console-path", "FirstPipeline");
        Directory.CreateDirectory(directory);
        var created = await DotNetCli.RunAsync(directory, "new", "console", "--name", "FirstPipeline", "--output", ".");
        Assert.True(created.ExitCode == 0, created.ToString());
        package.WriteNuGetConfig(directory);
        var added = await DotNetCli.RunAsync(directory, "add", "package", "StepOperator", "--version", package.Version);
        Assert.True(added.ExitCode == 0, added.ToString());
        File.WriteAllText(Path.Combine(directory, "TrainingSteps.cs"), Steps);

        // The console template's "Hello, World!" would win silently: the build says why and what to do.
        var build = await DotNetCli.RunAsync(directory, "build");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Matches(@"Program\.cs\(\d+,\d+\): warning SOP105", build.Output);

        File.Delete(Path.Combine(directory, "Program.cs"));
        var run = await DotNetCli.RunAsync(directory, "run", "--", "--home", Path.Combine(package.Root, "console-path", "home"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("Hello, World!", run.Output);
        Assert.DoesNotContain("SOP105", run.Output);
        Assert.Contains("mean 1.25", run.Output);
    }
}
