using StepOperator.Docker;
using StepOperator.Modal;

namespace StepOperator.Runtime.Tests;

/// <summary>Which registries and Modal servers are on this machine only, and where the Modal server URL comes from.</summary>
public sealed class LocalRegistryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("stepoperator-server-").FullName;
    private readonly Dictionary<string, string> _variables = new();

    public LocalRegistryTests() => _variables["MODAL_CONFIG_PATH"] = Path.Combine(_directory, "modal.toml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("localhost:5000", true)]
    [InlineData("LOCALHOST", true)]
    [InlineData("registry.localhost:5000", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.10.20.30:443/team", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("::1", true)]
    [InlineData("0.0.0.0:5000", true)]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("[::ffff:127.0.0.1]:5000", true)]
    [InlineData("ghcr.io", false)]
    [InlineData("ghcr.io/team", false)]
    [InlineData("index.docker.io", false)]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com", false)]
    [InlineData("10.0.0.5:5000", false)]
    [InlineData("192.168.1.20:5000", false)]
    [InlineData("localhost.example.com:5000", false)]
    [InlineData("128.0.0.1:5000", false)]
    public void A_registry_server_is_local_when_its_host_is_a_loopback_name_or_address(string server, bool local) =>
        Assert.Equal(local, LocalHosts.IsLocal(LocalHosts.HostOfServer(server)));

    [Theory]
    [InlineData("http://127.0.0.1:8900", true)]
    [InlineData("http://localhost:8900", true)]
    [InlineData("http://[::1]:8900", true)]
    [InlineData("https://api.modal.com:443", false)]
    [InlineData("https://api.modal.com", false)]
    [InlineData("not a url", false)]
    public void A_server_url_is_local_when_its_host_is(string url, bool local) =>
        Assert.Equal(local, LocalHosts.IsLocalUrl(url));

    [Fact]
    public void The_server_url_comes_from_the_setting_then_the_environment_then_the_profile_then_the_default()
    {
        ModalServerAddress Resolve(string? setting = null) => ModalServerAddress.Resolve(setting, name => _variables.GetValueOrDefault(name));

        Assert.Equal(new ModalServerAddress("https://api.modal.com:443", "Modal's default"), Resolve());

        var toml = _variables["MODAL_CONFIG_PATH"];
        File.WriteAllText(toml, """
            [work]
            active = true
            server_url = "http://127.0.0.1:7001"

            [other]
            server_url = "http://127.0.0.1:7002"
            """);
        Assert.Equal(new ModalServerAddress("http://127.0.0.1:7001", $"server_url in {toml}"), Resolve());
        _variables["MODAL_PROFILE"] = "other";
        Assert.Equal("http://127.0.0.1:7002", Resolve().Url);

        _variables["MODAL_SERVER_URL"] = "http://127.0.0.1:7003";
        Assert.Equal(new ModalServerAddress("http://127.0.0.1:7003", "MODAL_SERVER_URL"), Resolve());

        Assert.Equal(new ModalServerAddress("https://modal.example", "the step operator's server_url"), Resolve("https://modal.example"));
    }

    [Fact]
    public void A_profile_file_that_cannot_be_read_gives_the_default()
    {
        File.WriteAllText(_variables["MODAL_CONFIG_PATH"], "this is [not toml");
        Assert.Equal("https://api.modal.com:443", ModalServerAddress.Resolve(null, name => _variables.GetValueOrDefault(name)).Url);
    }
}
