using System.Net.Http;
using System.Net.Sockets;
using StepOperator.Docker;

namespace StepOperator.Runtime.Tests;

public class DockerErrorTests
{
    [Fact]
    public void An_unreachable_engine_says_how_to_start_one()
    {
        var error = DockerEngine.Explain("unix:///var/run/docker.sock", "Connection refused", "build image x",
            new HttpRequestException("Connection refused", new SocketException(111)));
        Assert.StartsWith("Could not build image x: the Docker engine at unix:///var/run/docker.sock is not reachable", error.Message);
        Assert.Contains("Start it", error.Message);
        Assert.Contains("DOCKER_HOST", error.Message);
    }

    [Fact]
    public void A_full_disk_says_how_to_free_space()
    {
        var error = DockerEngine.Explain("unix:///var/run/docker.sock",
            "write /var/lib/docker/tmp/x: no space left on device", "build image x");
        Assert.Contains("ran out of disk space", error.Message);
        Assert.Contains("docker system prune", error.Message);
    }

    [Fact]
    public void Other_failures_keep_the_engines_words()
    {
        var error = DockerEngine.Explain("unix:///var/run/docker.sock", "invalid reference format", "push image x");
        Assert.Equal("Could not push image x: invalid reference format", error.Message);
    }
}
