using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace StepOperator.Package.Tests;

/// <summary>
/// A program that uses only the local stack references only the StepOperator package: its restore brings none of the
/// backends' dependencies (Docker's client, gRPC, the AWS and Azure SDKs), which come with the backend packages. The
/// restore's size is written to the test output (dotnet test --logger "console;verbosity=detailed" shows it).
/// </summary>
[Collection(PackageCollection.Name)]
public class LocalOnlyConsumerTests(PackedPackage package, ITestOutputHelper output)
{
    // The dependencies of the backend packages, which a local-only program must not restore.
    private static readonly string[] BackendDependencies =
    {
        "docker.dotnet.enhanced", "grpc.net.client", "google.protobuf", "awssdk.s3", "awssdk.core", "azure.storage.blobs", "azure.core", "tomlyn",
        "stepoperator.docker", "stepoperator.modal", "stepoperator.s3", "stepoperator.azure",
    };

    [Fact]
    public async Task A_local_only_program_restores_no_backend_and_runs()
    {
        var directory = package.CreateProject("LocalOnly", """
            using StepOperator;

            public static partial class Steps
            {
                [Step]
                public static int Double(int x) => x * 2;

                [Pipeline]
                public static async System.Threading.Tasks.Task Run() => System.Console.WriteLine($"doubled {await Submit.Double(21)}");
            }
            """);
        var packages = Path.Combine(package.Root, "packages-local-only");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), File.ReadAllText(Path.Combine(directory, "nuget.config"))
            .Replace(Path.Combine(package.Root, "packages"), packages, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(directory, "LocalOnly.csproj"), File.ReadAllText(Path.Combine(directory, "LocalOnly.csproj"))
            .Replace(Path.Combine(package.Root, "packages"), packages, StringComparison.Ordinal));

        var run = await DotNetCli.RunAsync(directory, "run");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("doubled 42", run.Output);
        var restored = Directory.GetDirectories(packages).Select(Path.GetFileName).ToList();
        Assert.Contains("stepoperator", restored);
        Assert.Empty(restored.Intersect(BackendDependencies));
        var bytes = Directory.GetFiles(packages, "*", SearchOption.AllDirectories).Sum(file => new FileInfo(file).Length);
        var buildOutput = Path.Combine(directory, "bin");
        var files = Directory.GetFiles(buildOutput, "*", SearchOption.AllDirectories).Length;
        output.WriteLine($"local-only restore: {restored.Count} packages, {bytes:N0} bytes; build output: {files} files");

        // The flavors it has: the local ones, and the message that names the package of one it has not.
        var flavors = await DotNetCli.RunAsync(directory, "run", "--no-build", "--", "flavor", "list");
        Assert.True(flavors.ExitCode == 0, flavors.ToString());
        Assert.Contains("step-operator: local; docker needs package StepOperator.Docker, modal needs package StepOperator.Modal", flavors.Output);
        var register = await DotNetCli.RunAsync(directory, "run", "--no-build", "--", "step-operator", "register", "gpu", "--flavor=modal");
        Assert.Equal(2, register.ExitCode);
        Assert.Matches(new Regex("needs package StepOperator.Modal.*dotnet add package StepOperator.Modal"), register.Output);
    }
}
