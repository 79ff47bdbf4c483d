using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;
using StepOperator.Docker;
using StepOperator.Local;
using StepOperator.Modal;
using StepOperator.Stacks;

namespace StepOperator.Runtime.Tests;

/// <summary>
/// Each backend says which of its failures another attempt may not meet (the run retries those as backend
/// failures); a lost connection is transient everywhere, another backend's failure nowhere.
/// </summary>
public class TransientFailureTests
{
    private static readonly ImageBuildRequest Image = new("/nowhere", "Program.dll", "base:1", Registry: null);

    private static readonly IStepOperator Modal = new ModalStepOperator(new ModalStepOperatorOptions(Image));
    private static readonly IStepOperator Docker = new DockerStepOperator(new DockerStepOperatorOptions(Image));
    private static readonly IStepOperator Local = new LocalProcessStepOperator(standby: false);

    private static RpcException Rpc(StatusCode status) => new(new Status(status, "test"));

    private static ModalApiException ModalCall(StatusCode status) => new("SandboxCreate", status, "test", Rpc(status));

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.DeadlineExceeded, true)]
    [InlineData(StatusCode.ResourceExhausted, true)]
    [InlineData(StatusCode.Internal, true)]
    [InlineData(StatusCode.InvalidArgument, false)]
    [InlineData(StatusCode.NotFound, false)]
    [InlineData(StatusCode.PermissionDenied, false)]
    public void Modal_judges_its_statuses_wrapped_or_bare(StatusCode status, bool transient)
    {
        Assert.Equal(transient, Modal.IsTransientFailure(ModalCall(status)));
        Assert.Equal(transient, Modal.IsTransientFailure(Rpc(status)));
    }

    [Fact]
    public void Docker_judges_the_cause_of_an_engine_failure()
    {
        Assert.True(Docker.IsTransientFailure(new DockerEngineException("lost", new HttpRequestException("reset"))));
        Assert.True(Docker.IsTransientFailure(new DockerEngineException("lost", new DockerEngineException("inner", new SocketException()))));
        Assert.False(Docker.IsTransientFailure(new DockerEngineException("no such image")));
        Assert.False(Docker.IsTransientFailure(new DockerEngineException("refused", new InvalidOperationException("bad request"))));
    }

    [Fact]
    public void A_lost_connection_is_transient_on_every_stack_and_another_backends_failure_on_none_but_its_own()
    {
        foreach (var stepOperator in new[] { Modal, Docker, Local })
        {
            Assert.True(stepOperator.IsTransientFailure(new IOException("connection reset")), stepOperator.Name);
            Assert.True(stepOperator.IsTransientFailure(new TimeoutException()), stepOperator.Name);
            Assert.False(stepOperator.IsTransientFailure(new InvalidOperationException("a bug")), stepOperator.Name);
        }

        Assert.False(Local.IsTransientFailure(Rpc(StatusCode.Unavailable)));
        Assert.False(Docker.IsTransientFailure(ModalCall(StatusCode.Unavailable)));
    }
}
