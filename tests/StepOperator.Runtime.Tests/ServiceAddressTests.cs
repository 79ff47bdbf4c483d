
namespace StepOperator.Runtime.Tests;

/// <summary>
/// A setting that holds a service's address (an artifact store's endpoint, Modal's server URL) is an http or https URL:
/// registration refuses anything else with the fix, and a file edited by hand ends a run in one line, never a crash.
/// </summary>
public sealed class ServiceAddressTests : IDisposable
{
    private const string Pipeline = "ServiceAddressTestPipeline";

    private readonly InProcessHost _host = new();

    static ServiceAddressTests() =>
        StepCatalog.Register(new PipelineDefinition(Pipeline, "ServiceAddressTests.Pipeline", _ => Task.CompletedTask));

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData("artifact-store", "--flavor=s3", "--bucket=ml-artifacts", "--endpoint=not-a-url")]
    [InlineData("artifact-store", "--flavor=s3", "--bucket=ml-artifacts", "--endpoint=http://[::1")]
    [InlineData("artifact-store", "--flavor=azure", "--container=runs", "--endpoint=ftp://storage.example")]
    [InlineData("step-operator", "--flavor=modal", "--server_url=api.modal.com")]
    public async Task Registration_refuses_an_address_that_is_not_an_http_url(string type, params string[] settings)
    {
        var result = await _host.RunAsync([type, "register", "bad", .. settings]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{type} 'bad'", result.Error);
        Assert.Contains("which is not an http or https address", result.Error);
        Assert.Contains("=https://host[:port]", result.Error);
        Assert.False(File.Exists(_host.UserFile) && File.ReadAllText(_host.UserFile).Contains("\"bad\"", StringComparison.Ordinal), "nothing is saved");
    }

    [Fact]
    public async Task A_hand_edited_address_ends_the_run_in_one_line_with_the_fix()
    {
        File.WriteAllText(_host.UserFile, """
            {
              "ArtifactStores": { "edited": { "Flavor": "s3", "Bucket": "ml-artifacts", "Endpoint": "http://[::1", "AccessKeyId": "a", "SecretAccessKey": "b" } },
              "Stacks": { "edited": { "Orchestrator": "local", "StepOperator": "local", "ArtifactStore": "edited" } }
            }
            """);
        var before = File.ReadAllBytes(_host.UserFile);

        var result = await _host.RunAsync(Pipeline, "--stack", "edited", "--no-color");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("artifact-store 'edited' (flavor s3) setting 'endpoint' is 'http://[::1', which is not an http or https address. " +
            "Fix: dotnet run -- artifact-store update edited --endpoint=https://host[:port]", line);
        Assert.Equal(before, File.ReadAllBytes(_host.UserFile));
    }
}
