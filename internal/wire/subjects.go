package wire

import "fmt"

// Subjects, versioned so that a v2 protocol can run beside v1. Each has a
// wildcard form to subscribe with and a template to publish with.
const (
	// DataBucket is the JetStream object store that holds the input files
	// of staged jobs (JobSpec.Stage), each under StagedObject's name, for
	// as long as the job runs.
	DataBucket = "SHOAL_DATA_V1"

	// TaskStream is the JetStream work-queue stream that holds pending tasks.
	TaskStream = "SHOAL_TASKS_V1"
	// TaskSubjects is what TaskStream captures.
	TaskSubjects = "shoal.v1.task.>"
	// TaskSubjectT is the subject of one job's tasks: job id.
	TaskSubjectT = "shoal.v1.task.%s"

	// ResultStream keeps results until the coordinator has merged them, so
	// a restarted coordinator can read what arrived while it was down.
	ResultStream = "SHOAL_RESULTS_V1"
	// ResultSubjects is what ResultStream captures.
	ResultSubjects = "shoal.v1.result.>"
	// ResultSubjectT is the subject of one job's results: job id.
	ResultSubjectT = "shoal.v1.result.%s"

	// CancelSubjects is what workers subscribe to (core NATS, no stream)
	// to learn that a job has ended, so that they abandon its tasks.
	CancelSubjects = "shoal.v1.cancel.>"
	// CancelSubjectT is the subject on which the coordinator announces
	// that a job ended (cancelled, failed or done): job id.
	CancelSubjectT = "shoal.v1.cancel.%s"

	// ProgressSubjects is what a coordinator subscribes to (core NATS, no
	// stream) to hear how far workers are with long tasks (TaskProgress).
	ProgressSubjects = "shoal.v1.progress.>"
	// ProgressSubjectT is the subject of one job's progress messages: job
	// id.
	ProgressSubjectT = "shoal.v1.progress.%s"

	// EventStream keeps the server's advisories that a task ran out of
	// deliveries (MaxDeliveriesAdvisory), so that a coordinator that was
	// disconnected or restarting when one was sent still reads it.
	EventStream = "SHOAL_EVENTS_V1"
	// MaxDeliveriesAdvisory is the subject of the server's advisory that
	// a task of WorkerConsumer was delivered its maximum number of times.
	MaxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + TaskStream + "." + WorkerConsumer

	// LeaseBucket is the JetStream key-value bucket that holds the lease
	// of the one coordinator service that may run on an account.
	LeaseBucket = "SHOAL_COORDINATOR_V1"

	// WorkerConsumer is the durable pull consumer all workers share: a
	// work-queue stream allows only one unfiltered consumer.
	WorkerConsumer = "shoal-workers"

	// APIPrefix is the prefix of the coordinator's request/reply API.
	APIPrefix = "shoal.v1.api"
)

// TaskSubject returns the subject on which the tasks of job are published.
func TaskSubject(job string) string { return fmt.Sprintf(TaskSubjectT, job) }

// ResultSubject returns the subject on which results for job are published.
func ResultSubject(job string) string { return fmt.Sprintf(ResultSubjectT, job) }

// CancelSubject returns the subject on which the end of job is announced.
func CancelSubject(job string) string { return fmt.Sprintf(CancelSubjectT, job) }

// ProgressSubject returns the subject on which workers report how far
// they are with job's long tasks.
func ProgressSubject(job string) string { return fmt.Sprintf(ProgressSubjectT, job) }

// StagedObject is the object name of a staged job's input file i (in the
// order of the dataset's files).
func StagedObject(job string, i int) string { return fmt.Sprintf("%s/%d", job, i) }
