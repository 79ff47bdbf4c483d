namespace StepOperator.Package.Tests;

/// <summary>
/// <c>dotnet format analyzers</c>, the real tool, on a project that consumes the packed package: one run fixes every
/// StepOperator diagnostic of several IDs in one file (and the entry point of a <c>dotnet new console</c> program),
/// after which the program builds without them and runs its pipeline.
/// </summary>
[Collection(PackageCollection.Name)]
public class DotnetFormatTests(PackedPackage package)
{
    private const string Steps = """
        using StepOperator;

        public static class Steps
        {
            [ModalStep(GpuCount = 2)]
            public static int Double(int x) => 2 * x;

            [ModalStep(Memory = "32 gb", Timeout = 90000)]
            public static int Triple(int x) => 3 * x;

            [ModalStep(Gpu = "A100_80GB", Cloud = "AWS", Memory = "8GB", MemoryLimit = "4GB")]
            public static int Square(int x) => x * x;

            [ModalStep(Gpu = "A10", GpuCount = 6, CpuLimit = 2)]
            public static int Negate(int x) => -x;
        }

        public static partial class Flow
        {
            [Pipeline]
            public static async System.Threading.Tasks.Task Numbers()
            {
                var doubled = await Steps.Submit.Double(1);
                var tripled = await Steps.Submit.Triple(doubled);
                var squared = await Steps.Submit.Square(tripled);
                System.Console.WriteLine($"result {await Steps.Submit.Negate(squared)}");
            }
        }
        """;

    private const string FixedSteps = """
        using StepOperator;

        public static partial class Steps
        {
            [ModalStep(GpuCount = 0)]
            public static int Double(int x) => 2 * x;

            [ModalStep(Memory = "32GB", Timeout = 86400)]
            public static int Triple(int x) => 3 * x;

            [ModalStep(Gpu = "A100-80GB", Cloud = "aws", Memory = "8GB", MemoryLimit = "8GB")]
            public static int Square(int x) => x * x;

            [ModalStep(Gpu = "A10", GpuCount = 4, CpuCount = 2, CpuLimit = 2)]
            public static int Negate(int x) => -x;
        }
        """;

    [Fact]
    public async Task One_run_applies_every_fix_of_every_id_and_the_program_then_runs_its_pipeline()
    {
        var directory = package.CreateProject("FormatAll", """
            // See https://aka.ms/new-console-template for more information
            Console.WriteLine("Hello, World!");
            """, "<ImplicitUsings>enable</ImplicitUsings>");
        File.WriteAllText(Path.Combine(directory, "Steps.cs"), Steps);

        var before = await DotNetCli.RunAsync(directory, "build");
        foreach (var id in new[] { "SOP001", "SOP003", "SOP004", "SOP005", "SOP007", "SOP008", "SOP011", "SOP101", "SOP105" })
        {
            Assert.Contains($" {id}:", before.Output);
        }

        var format = await DotNetCli.RunAsync(directory, "format", "analyzers", "--no-restore", "--severity", "info", "--verbosity", "detailed",
            "--diagnostics", "SOP001", "SOP003", "SOP004", "SOP005", "SOP007", "SOP008", "SOP011", "SOP101", "SOP105");

        Assert.True(format.ExitCode == 0, format.ToString());
        Assert.DoesNotContain("Unable to fix", format.Output);
        Assert.DoesNotContain("Failed to apply", format.Output);
        var steps = File.ReadAllText(Path.Combine(directory, "Steps.cs")).ReplaceLineEndings("\n");
        Assert.True(steps.StartsWith(FixedSteps, StringComparison.Ordinal), $"Steps.cs after dotnet format:\n{steps}\n{format}");
        Assert.Equal("""
            // See https://aka.ms/new-console-template for more information
            Console.WriteLine("Hello, World!");
            return await StepOperator.StepOperatorHost.RunAsync(args);

            """, File.ReadAllText(Path.Combine(directory, "Program.cs")).ReplaceLineEndings("\n"));

        var build = await DotNetCli.RunAsync(directory, "build");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain(" SOP", build.Output.Replace(" SOP009:", string.Empty, StringComparison.Ordinal));

        var run = await DotNetCli.RunAsync(directory, "run", "--no-build", "--", "--home", Path.Combine(package.Root, "home-format"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Hello, World!", run.Output);
        Assert.Contains("result -36", run.Output);
    }
}
