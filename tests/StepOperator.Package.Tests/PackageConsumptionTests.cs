using System.IO.Compression;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace StepOperator.Package.Tests;

[Collection(PackageCollection.Name)]
public class PackageConsumptionTests(PackedPackage package)
{
    [Fact]
    public void One_package_holds_the_runtime_and_every_compiler_extension()
    {
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/StepOperator.Runtime.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/StepOperator.Generators.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/StepOperator.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/StepOperator.CodeFixes.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Analyzers", StringComparison.Ordinal));
        Assert.Contains("README.md", entries);
    }

    [Fact]
    public void The_runtime_also_ships_ReadyToRun_compiled_for_linux_x64_as_the_same_assembly()
    {
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var portable = Extract(zip, "lib/net10.0/StepOperator.Runtime.dll");
        var compiled = Extract(zip, "runtimes/linux-x64/lib/net10.0/StepOperator.Runtime.dll");

        Assert.False(IsReadyToRun(portable), "lib/net10.0 holds the portable IL assembly");
        Assert.True(IsReadyToRun(compiled), "runtimes/linux-x64 holds native code for linux-x64 (a ReadyToRun header)");
        Assert.Equal(AssemblyName.GetAssemblyName(portable).FullName, AssemblyName.GetAssemblyName(compiled).FullName);
    }

    private string Extract(ZipArchive zip, string entry)
    {
        var target = Path.Combine(package.Root, "extracted", entry);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var found = zip.GetEntry(entry);
        Assert.True(found is not null, $"the package has no {entry}");
        found.ExtractToFile(target, overwrite: true);
        return target;
    }

    private static bool IsReadyToRun(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    [Fact]
    public async Task Gpu_count_without_type_fails_the_build_with_SOP001_at_the_argument()
    {
        var directory = package.CreateProject("Sop001", """
            using StepOperator;

            public static partial class Steps
            {
                [ModalStep(GpuCount = 2)]
                public static int Train(int data) => data;

                public static void Main() { }
            }
            """);

        var build = await DotNetCli.RunAsync(directory, "build");

        Assert.NotEqual(0, build.ExitCode);
        // Line 5, column 27: the "2" of GpuCount = 2.
        Assert.Matches(new Regex(@"Program\.cs\(5,27\): error SOP001: GpuCount = 2 asks for GPUs but no Gpu type is set"), build.Output);
    }

    [Fact]
    public async Task A_valid_step_builds_clean_and_the_generated_program_runs_it()
    {
        var directory = package.CreateProject("Valid", """
            using StepOperator;

            public static partial class Steps
            {
                [ModalStep(Gpu = "A100", Memory = "32GB")]
                public static int Train(int data)
                {
                    System.Console.WriteLine($"runtime loaded from {System.IO.Path.GetRelativePath(System.AppContext.BaseDirectory, typeof(StepCatalog).Assembly.Location)}");
                    return data * 2;
                }

                [Pipeline]
                public static async System.Threading.Tasks.Task Run()
                {
                    foreach (var step in StepCatalog.Steps)
                    {
                        System.Console.WriteLine($"{step.Name} {step.Placement} {step.Settings.ModalGpu} {step.Settings.Memory}");
                    }

                    System.Console.WriteLine($"result {await Submit.Train(21)}");
                }
            }
            """);

        var build = await DotNetCli.RunAsync(directory, "build", "-warnaserror");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain(" warning ", build.Output);

        var run = await DotNetCli.RunAsync(directory, "run", "--no-build", "--", "--home", Path.Combine(package.Root, "home"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Train Modal A100 32GB", run.Output);
        Assert.Contains("result 42", run.Output);

        // On linux-x64 the host picks the package's ReadyToRun-compiled runtime for the step process.
        var expected = RuntimeInformation.RuntimeIdentifier == "linux-x64"
            ? "runtimes/linux-x64/lib/net10.0/StepOperator.Runtime.dll"
            : "StepOperator.Runtime.dll";
        Assert.Contains($"[Train] runtime loaded from {expected}", run.Output);
    }

    [Fact]
    public async Task Gpu_type_with_zero_count_is_a_warning_not_an_error()
    {
        var directory = package.CreateProject("Sop002", """
            using StepOperator;

            public static partial class Steps
            {
                [ModalStep(Gpu = "A100", GpuCount = 0)]
                public static int Train(int data) => data;

                public static void Main() { }
            }
            """);

        var build = await DotNetCli.RunAsync(directory, "build");

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Matches(new Regex(@"Program\.cs\(5,41\): warning SOP002"), build.Output);
    }

    [Fact]
    public async Task A_user_main_calls_the_host_in_one_line()
    {
        var directory = package.CreateProject("OwnMain", """
            using StepOperator;

            public static partial class Steps
            {
                [Step]
                public static string Greet(string name) => $"hello {name}";

                [Pipeline]
                public static async System.Threading.Tasks.Task Run() => System.Console.WriteLine(await Submit.Greet("world"));
            }

            public static class Program
            {
                public static async System.Threading.Tasks.Task<int> Main(string[] args)
                {
                    System.Console.WriteLine("my own main");
                    return await StepOperatorHost.RunAsync(args);
                }
            }
            """, "<StepOperatorGenerateMain>false</StepOperatorGenerateMain>");

        var run = await DotNetCli.RunAsync(directory, "run", "--", "--home", Path.Combine(package.Root, "home-own-main"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("my own main", run.Output);
        Assert.Contains("hello world", run.Output);
    }

    [Fact]
    public async Task With_the_switch_off_and_no_main_the_program_has_no_entry_point()
    {
        var directory = package.CreateProject("NoMain", """
            using StepOperator;

            public static partial class Steps
            {
                [Pipeline]
                public static void Run() { }
            }
            """, "<StepOperatorGenerateMain>false</StepOperatorGenerateMain>");

        var build = await DotNetCli.RunAsync(directory, "build");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error CS5001", build.Output);
    }

    [Fact]
    public async Task A_project_named_like_a_command_runs_its_pipeline_and_commands_and_bad_configuration_is_one_line()
    {
        // dotnet new console -n plan: the assembly, and so the root command, is called plan, like the plan command.
        var directory = package.CreateProject("plan", """
            using StepOperator;

            public static partial class Steps
            {
                [Step]
                public static int Double(int x) => x * 2;

                [Pipeline]
                public static async System.Threading.Tasks.Task Run() => System.Console.WriteLine($"doubled {await Submit.Double(21)}");
            }
            """);
        var environment = new Dictionary<string, string> { ["STEPOPERATOR_CONFIG"] = Path.Combine(package.Root, "plan-config", "config.json") };
        var home = Path.Combine(package.Root, "home-plan");

        var run = await DotNetCli.RunAsync(directory, environment, "run", "--", "--home", home);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("doubled 42", run.Output);

        var plan = await DotNetCli.RunAsync(directory, environment, "run", "--no-build", "--", "plan", "--home", home);
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("Double", plan.Output);

        var list = await DotNetCli.RunAsync(directory, environment, "run", "--no-build", "--", "stack", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("* local", list.Output);

        // A stepoperator.json cut off mid-edit: one line naming the file and the place, exit 2, the file as it was.
        var projectFile = Path.Combine(directory, "stepoperator.json");
        const string Truncated = "{\n  \"Stacks\": {\n    \"gpu\": { \"Orchestrator\": \"local\",\n";
        File.WriteAllText(projectFile, Truncated);
        var broken = await DotNetCli.RunAsync(directory, environment, "run", "--no-build", "--", "stack", "list");
        Assert.True(broken.ExitCode == 2, broken.ToString());
        Assert.StartsWith($"{projectFile}:4:1: not valid JSON: ", broken.Output.Trim());
        Assert.Single(broken.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("Unhandled", broken.Output);
        Assert.Equal(Truncated, File.ReadAllText(projectFile));
    }
}
