# ruff: noqa
# fmt: off
# The course's TensorFlow 1 MNIST program, verbatim except for its two imports:
#     import tensorflow as tf
#     from tensorflow.examples.tutorials.mnist import input_data
#     mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
# which become the two graphdl imports below (and `read_data_sets` is called directly).
import graphdl as tf
from graphdl.datasets.mnist import read_data_sets

mnist = read_data_sets("MNIST_data/", one_hot=True)

# Network parameters
n_input = 784  # MNIST images are 28 x 28 pixels
n_hidden = 30  # hidden sigmoid neurons
n_classes = 10  # digits 0 to 9

# Training parameters
learning_rate = 0.05
batch_size = 128
training_steps = 10000
display_step = 1000

# Graph input
X = tf.placeholder(shape=[None, n_input], dtype=tf.float32)
Y = tf.placeholder(shape=[None, n_classes], dtype=tf.float32)

# Weights and biases
W1 = tf.Variable(tf.truncated_normal(shape=[n_input, n_hidden]), dtype=tf.float32)
b1 = tf.Variable(tf.truncated_normal(shape=[n_hidden]), dtype=tf.float32)
W2 = tf.Variable(tf.truncated_normal(shape=[n_hidden, n_classes]), dtype=tf.float32)
b2 = tf.Variable(tf.truncated_normal(shape=[n_classes]), dtype=tf.float32)

# Model: one hidden layer of sigmoid neurons
hidden = tf.nn.sigmoid(tf.add(tf.matmul(X, W1), b1))
logits = tf.add(tf.matmul(hidden, W2), b2)
output = tf.nn.sigmoid(logits)

# Loss (one cross-entropy per image and class) and optimizer
loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=Y, logits=logits)
train_step = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)

# Evaluation: the number of correct predictions
correct_prediction = tf.equal(tf.argmax(output, 1), tf.argmax(Y, 1))
correct_count = tf.reduce_sum(tf.cast(correct_prediction, tf.float32))
total_loss = tf.reduce_sum(loss)

init = tf.global_variables_initializer()

with tf.Session() as sess:
    sess.run(init)
    for step in range(1, training_steps + 1):
        batch_x, batch_y = mnist.train.next_batch(128)
        sess.run(train_step, feed_dict={X: batch_x, Y: batch_y})
        if step % display_step == 0 or step == 1:
            l, c = sess.run([total_loss, correct_count], feed_dict={X: batch_x, Y: batch_y})
            print("Step " + str(step) + ", loss per image= " + "{:.4f}".format(l / batch_size) + ", training accuracy= " + "{:.3f}".format(c / batch_size))
    print("Optimization finished!")
    test_correct = sess.run(correct_count, feed_dict={X: mnist.test.images, Y: mnist.test.labels})
    print("Test accuracy:", test_correct / mnist.test.images.shape[0])
